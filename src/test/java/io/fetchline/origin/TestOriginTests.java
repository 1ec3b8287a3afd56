package io.fetchline.origin;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class TestOriginTests {

    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(2))
            .build();

    private TestOrigin origin;

    @BeforeEach
    void start() {
        origin = TestOrigin.start();
    }

    @AfterEach
    void stop() {
        origin.close();
    }

    @Test
    void servesFullFileWithValidators() throws Exception {
        byte[] data = origin.file("/a.bin", 100_000, 1);

        HttpResponse<byte[]> r = get("/a.bin");

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(TestOrigin.sha256(r.body())).isEqualTo(TestOrigin.sha256(data));
        assertThat(r.headers().firstValue("Content-Length")).hasValue("100000");
        assertThat(r.headers().firstValue("Accept-Ranges")).hasValue("bytes");
        assertThat(r.headers().firstValue("ETag")).hasValueSatisfying(v -> assertThat(v).startsWith("\""));
        assertThat(r.headers().firstValue("Last-Modified")).hasValueSatisfying(v -> assertThat(v).endsWith(" GMT"));
        assertThat(TestOrigin.randomBytes(100_000, 1)).isEqualTo(data);
    }

    @Test
    void openEndedAndBoundedRangesGive206() throws Exception {
        byte[] data = origin.file("/a.bin", 1000, 2);

        HttpResponse<byte[]> open = get("/a.bin", "Range", "bytes=100-");
        HttpResponse<byte[]> bounded = get("/a.bin", "Range", "bytes=10-19");
        HttpResponse<byte[]> clamped = get("/a.bin", "Range", "bytes=990-5000");

        assertThat(open.statusCode()).isEqualTo(206);
        assertThat(open.headers().firstValue("Content-Range")).hasValue("bytes 100-999/1000");
        assertThat(open.headers().firstValue("Content-Length")).hasValue("900");
        assertThat(open.body()).isEqualTo(Arrays.copyOfRange(data, 100, 1000));
        assertThat(bounded.statusCode()).isEqualTo(206);
        assertThat(bounded.headers().firstValue("Content-Range")).hasValue("bytes 10-19/1000");
        assertThat(bounded.body()).isEqualTo(Arrays.copyOfRange(data, 10, 20));
        assertThat(clamped.headers().firstValue("Content-Range")).hasValue("bytes 990-999/1000");
    }

    @Test
    void rangeStartingAtOrPastEndIs416() throws Exception {
        origin.file("/a.bin", 1000, 3);

        HttpResponse<byte[]> r = get("/a.bin", "Range", "bytes=1000-");

        assertThat(r.statusCode()).isEqualTo(416);
        assertThat(r.headers().firstValue("Content-Range")).hasValue("bytes */1000");
        assertThat(r.body()).isEmpty();
    }

    @Test
    void ifRangeHonoursMatchingValidatorsOnly() throws Exception {
        byte[] data = origin.file("/a.bin", 1000, 4);
        HttpResponse<byte[]> first = get("/a.bin");
        String etag = first.headers().firstValue("ETag").orElseThrow();
        String lastModified = first.headers().firstValue("Last-Modified").orElseThrow();

        HttpResponse<byte[]> byEtag = get("/a.bin", "Range", "bytes=500-", "If-Range", etag);
        HttpResponse<byte[]> byDate = get("/a.bin", "Range", "bytes=500-", "If-Range", lastModified);
        HttpResponse<byte[]> stale = get("/a.bin", "Range", "bytes=500-", "If-Range", "\"something-else\"");

        assertThat(byEtag.statusCode()).isEqualTo(206);
        assertThat(byDate.statusCode()).isEqualTo(206);
        assertThat(stale.statusCode()).isEqualTo(200);
        assertThat(stale.body()).isEqualTo(data);
        assertThat(stale.headers().firstValue("Content-Range")).isEmpty();
    }

    @Test
    void replacingContentInvalidatesOldValidators() throws Exception {
        origin.file("/a.bin", 1000, 5);
        HttpResponse<byte[]> before = get("/a.bin");
        byte[] newer = origin.file("/a.bin", 1000, 6);

        HttpResponse<byte[]> r = get("/a.bin", "Range", "bytes=500-",
                "If-Range", before.headers().firstValue("Last-Modified").orElseThrow());

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(newer);
        assertThat(r.headers().firstValue("ETag")).isNotEqualTo(before.headers().firstValue("ETag"));
    }

    @Test
    void headDescribesTheEntityWithoutBody() throws Exception {
        origin.file("/a.bin", 1234, 7);

        HttpResponse<byte[]> r = client.send(request("/a.bin").method("HEAD", HttpRequest.BodyPublishers.noBody())
                .build(), HttpResponse.BodyHandlers.ofByteArray());

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Length")).hasValue("1234");
        assertThat(r.headers().firstValue("Accept-Ranges")).hasValue("bytes");
        assertThat(r.body()).isEmpty();
        assertThat(origin.requests("/a.bin")).extracting(RecordedRequest::method).containsExactly("HEAD");
    }

    @Test
    void noRangesIgnoresRangeAndOmitsAcceptRanges() throws Exception {
        byte[] data = origin.file("/a.bin", 1000, 8);
        origin.route("/a.bin").noRanges();

        HttpResponse<byte[]> r = get("/a.bin", "Range", "bytes=100-");

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(data);
        assertThat(r.headers().firstValue("Accept-Ranges")).isEmpty();
    }

    @Test
    void chunkedHasNoContentLength() throws Exception {
        byte[] data = origin.file("/c.bin", 50_000, 9);
        origin.route("/c.bin").chunked();

        HttpResponse<byte[]> r = get("/c.bin");
        RawResponse raw = rawGet("/c.bin");

        assertThat(r.body()).isEqualTo(data);
        assertThat(raw.header("Content-Length")).isNull();
        assertThat(raw.header("Transfer-Encoding")).isEqualToIgnoringCase("chunked");
    }

    @Test
    void customHeadersAreSent() throws Exception {
        origin.file("/d.bin", 10, 10);
        origin.route("/d.bin")
                .header("Content-Disposition", "attachment; filename=\"report.pdf\"")
                .header("Content-Type", "application/pdf")
                .header("ETag", null);

        HttpResponse<byte[]> r = get("/d.bin");

        assertThat(r.headers().firstValue("Content-Disposition")).hasValue("attachment; filename=\"report.pdf\"");
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/pdf");
        assertThat(r.headers().firstValue("ETag")).isEmpty();
    }

    @Test
    void truncationClosesAfterPromisingFullLength() throws Exception {
        byte[] data = origin.file("/t.bin", 1000, 11);
        origin.route("/t.bin").truncateAfter(400).truncateTimes(1);

        RawResponse cut = rawGet("/t.bin");
        HttpResponse<byte[]> resumed = get("/t.bin", "Range", "bytes=400-");
        HttpResponse<byte[]> later = get("/t.bin");

        assertThat(cut.header("Content-Length")).isEqualTo("1000");
        assertThat(cut.body).isEqualTo(Arrays.copyOf(data, 400));
        assertThat(cut.failure).isNull(); // a clean EOF, not a reset
        assertThat(resumed.body()).isEqualTo(Arrays.copyOfRange(data, 400, 1000));
        assertThat(later.body()).isEqualTo(data);
    }

    @Test
    void truncationMakesHttpClientFail() {
        origin.file("/t.bin", 1000, 12);
        origin.route("/t.bin").truncateAfter(10);

        assertThatThrownBy(() -> get("/t.bin")).isInstanceOf(IOException.class);
    }

    @Test
    void resetUrlProducesIOExceptionThenRecovers() throws Exception {
        byte[] data = TestOrigin.randomBytes(10_000, 13);
        String url = origin.resetUrl(data, 1000, 1);

        assertThatThrownBy(() -> client.send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofByteArray())).isInstanceOf(IOException.class);
        HttpResponse<byte[]> resumed = client.send(HttpRequest.newBuilder(URI.create(url))
                .header("Range", "bytes=1000-").build(), HttpResponse.BodyHandlers.ofByteArray());

        assertThat(resumed.statusCode()).isEqualTo(206);
        assertThat(resumed.body()).isEqualTo(Arrays.copyOfRange(data, 1000, 10_000));
        assertThat(origin.requestCount(URI.create(url).getRawPath())).isEqualTo(2);
    }

    @Test
    void silentServerTimesOutTheClient() {
        String url = origin.silentUrl();

        assertThatThrownBy(() -> client.send(HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofMillis(500)).build(), HttpResponse.BodyHandlers.ofByteArray()))
                .isInstanceOf(HttpTimeoutException.class);
        assertThat(origin.inFlight()).isEqualTo(1);
    }

    @Test
    void rawUrlSendsExactBytes() throws Exception {
        String response = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 7\r\n"
                + "Connection: close\r\n\r\nhello";
        String url = origin.rawUrl(response);

        RawResponse raw = rawGet(URI.create(url));

        assertThat(new String(raw.all, StandardCharsets.ISO_8859_1)).isEqualTo(response);
    }

    @Test
    void redirectSendsLocation() throws Exception {
        origin.file("/target.bin", 10, 14);
        origin.route("/old").redirect(302, origin.url("/target.bin"));

        HttpResponse<byte[]> r = get("/old");

        assertThat(r.statusCode()).isEqualTo(302);
        assertThat(r.headers().firstValue("Location")).hasValue(origin.url("/target.bin"));
    }

    @Test
    void statusSequenceThenNormalService() throws Exception {
        byte[] data = origin.file("/s.bin", 100, 15);
        origin.route("/s.bin").status(503, 503).retryAfter("1");

        HttpResponse<byte[]> first = get("/s.bin");
        HttpResponse<byte[]> second = get("/s.bin");
        HttpResponse<byte[]> third = get("/s.bin");

        assertThat(first.statusCode()).isEqualTo(503);
        assertThat(first.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(second.statusCode()).isEqualTo(503);
        assertThat(third.statusCode()).isEqualTo(200);
        assertThat(third.body()).isEqualTo(data);
        assertThat(third.headers().firstValue("Retry-After")).isEmpty();
    }

    @Test
    void throttleDeliversEverythingSlowly() throws Exception {
        byte[] data = origin.file("/slow.bin", 10_000, 16);
        origin.route("/slow.bin").bytesPerSecond(20_000);

        long t0 = System.nanoTime();
        HttpResponse<byte[]> r = get("/slow.bin");
        long elapsedMs = (System.nanoTime() - t0) / 1_000_000;

        assertThat(r.body()).isEqualTo(data);
        // 10 kB at 20 kB/s is ~0.5 s; the last piece goes out without a wait after it.
        assertThat(elapsedMs).isGreaterThanOrEqualTo(350);
    }

    @Test
    void delayBeforeHeaders() throws Exception {
        origin.file("/late.bin", 10, 17);
        origin.route("/late.bin").delayBeforeHeaders(Duration.ofMillis(200));

        long t0 = System.nanoTime();
        get("/late.bin");

        assertThat((System.nanoTime() - t0) / 1_000_000).isGreaterThanOrEqualTo(190);
    }

    @Test
    void stallSendsPrefixThenSilenceAndDoesNotBlockClose() throws Exception {
        byte[] data = origin.file("/stall.bin", 1000, 18);
        origin.route("/stall.bin").stallAfter(100);

        RawResponse r = rawGet(URI.create(origin.url("/stall.bin")), 300);

        assertThat(r.failure).isInstanceOf(SocketTimeoutException.class);
        assertThat(r.body).isEqualTo(Arrays.copyOf(data, 100));
        assertThat(origin.inFlight()).isEqualTo(1);
        long t0 = System.nanoTime();
        origin.close();
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(1500);
    }

    @Test
    void maxConcurrentCountsOverlappingRequestsOnly() throws Exception {
        origin.file("/par/a.bin", 1000, 19);
        origin.file("/seq/a.bin", 1000, 20);
        Route par = origin.route("/par/a.bin").hold();

        List<CompletableFuture<HttpResponse<byte[]>>> futures = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            futures.add(client.sendAsync(request("/par/a.bin").build(), HttpResponse.BodyHandlers.ofByteArray()));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> origin.inFlight() == 3);
        par.release();
        for (CompletableFuture<HttpResponse<byte[]>> f : futures) {
            assertThat(f.get().statusCode()).isEqualTo(200);
        }
        for (int i = 0; i < 3; i++) {
            get("/seq/a.bin");
        }

        assertThat(origin.maxConcurrent("/par/")).isEqualTo(3);
        assertThat(origin.maxConcurrent("/seq/")).isEqualTo(1);
        assertThat(origin.maxConcurrent("/")).isEqualTo(3);
        assertThat(origin.inFlight()).isZero();
    }

    @Test
    void requestLogKeepsHeadersAndRawPath() throws Exception {
        origin.file("/dir/a%20b.bin", 10, 21);

        get("/dir/a%20b.bin?x=1", "Range", "bytes=0-");

        List<RecordedRequest> log = origin.requests("/dir/a%20b.bin");
        assertThat(log).hasSize(1);
        assertThat(log.get(0).method()).isEqualTo("GET");
        assertThat(log.get(0).query()).isEqualTo("x=1");
        assertThat(log.get(0).header("range")).isEqualTo("bytes=0-");
        assertThat(log.get(0).header("RANGE")).isEqualTo("bytes=0-");
        assertThat(log.get(0).arrivedAt()).isNotNull();
        assertThat(origin.requestCount("/dir/a%20b.bin")).isEqualTo(1);
    }

    @Test
    void unknownPathIs404() throws Exception {
        assertThat(get("/nope").statusCode()).isEqualTo(404);
    }

    // ---- helpers -------------------------------------------------------------------------

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(origin.url(path))).timeout(Duration.ofSeconds(5));
    }

    private HttpResponse<byte[]> get(String path, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = request(path);
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private RawResponse rawGet(String path) throws IOException {
        return rawGet(URI.create(origin.url(path)), 5000);
    }

    private RawResponse rawGet(URI uri) throws IOException {
        return rawGet(uri, 5000);
    }

    /**
     * HttpClient hides framing (and discards partial bodies on error), so framing assertions read
     * the socket directly until EOF, reset or the read timeout.
     */
    private static RawResponse rawGet(URI uri, int readTimeoutMs) throws IOException {
        try (Socket s = new Socket(uri.getHost(), uri.getPort())) {
            s.setSoTimeout(readTimeoutMs);
            OutputStream out = s.getOutputStream();
            out.write(("GET " + uri.getRawPath() + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort()
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            IOException failure = null;
            InputStream in = s.getInputStream();
            byte[] buf = new byte[8192];
            try {
                for (int n; (n = in.read(buf)) >= 0; ) {
                    all.write(buf, 0, n);
                }
            } catch (IOException e) {
                failure = e;
            }
            return new RawResponse(all.toByteArray(), failure);
        }
    }

    private static final class RawResponse {
        final byte[] all;
        final byte[] body;
        final Map<String, String> headers = new LinkedHashMap<>();
        final IOException failure;

        RawResponse(byte[] all, IOException failure) {
            this.all = all;
            this.failure = failure;
            String text = new String(all, StandardCharsets.ISO_8859_1);
            int end = text.indexOf("\r\n\r\n");
            String head = end < 0 ? text : text.substring(0, end);
            for (String line : head.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0) {
                    headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
                }
            }
            body = end < 0 ? new byte[0] : Arrays.copyOfRange(all, end + 4, all.length);
        }

        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }
}
