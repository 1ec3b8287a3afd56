package io.fetchline.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.fetchline.origin.RecordedRequest;
import io.fetchline.origin.Route;
import io.fetchline.origin.TestOrigin;

/** Which failures are tried again, how often and when, and how a retry continues from the stored bytes. */
class FetchFaultRetryTests extends FaultyOriginTest {

    @Test
    void notFoundIsFinalAfterOneAttempt() {
        Outcome item = fetchOne(origin.url("/missing.bin"));

        assertFailed(item, "HTTP_STATUS", 1);
        assertThat(item.item().get("httpStatus").asInt()).isEqualTo(404);
        assertThat(item.errorMessage()).isEqualTo("404 Not Found");
        assertThat(origin.requestCount("/missing.bin")).isEqualTo(1);
    }

    @Test
    void serviceUnavailableTwiceThenServedWaitsForRetryAfterEachTime() {
        byte[] data = origin.file("/busy.bin", 50_000, 1);
        origin.route("/busy.bin").status(503, 503).retryAfter("1");

        Outcome item = fetchOne(origin.url("/busy.bin"));

        assertStored(item, data, 3);
        List<RecordedRequest> requests = origin.requests("/busy.bin");
        assertThat(requests).hasSize(3);
        assertThat(gap(requests.get(0), requests.get(1))).isGreaterThanOrEqualTo(Duration.ofMillis(950));
        assertThat(gap(requests.get(1), requests.get(2))).isGreaterThanOrEqualTo(Duration.ofMillis(950));
    }

    @Test
    void bodyCutShortEveryTimeFailsTruncatedAfterResumingEachAttempt() {
        origin.file("/cut.bin", 100_000, 2);
        origin.route("/cut.bin").truncateAfter(20_000);

        Outcome item = fetchOne(origin.url("/cut.bin"));

        assertFailed(item, "TRUNCATED", 3);
        assertThat(item.errorMessage()).isEqualTo("body ended at byte 60000 of 100000 after 3 attempts");
        assertThat(origin.requests("/cut.bin")).extracting(r -> r.header("Range"))
                .containsExactly(null, "bytes=20000-", "bytes=40000-");
    }

    @ParameterizedTest(name = "ETag {0}, Last-Modified {1}: If-Range {2}")
    @CsvSource(nullValues = "none", textBlock = """
            '"v1"',   2026-01-02T03:04:05Z, '"v1"'
            none,     2026-01-02T03:04:05Z, 'Fri, 02 Jan 2026 03:04:05 GMT'
            'W/"v1"', 2026-01-02T03:04:05Z, 'Fri, 02 Jan 2026 03:04:05 GMT'
            """)
    void bodyCutShortOnceResumesWithRangeAndStrongValidator(String etag, Instant lastModified, String ifRange) {
        String path = "/resume-" + (etag == null ? "none" : etag.startsWith("W/") ? "weak" : "strong") + ".bin";
        byte[] data = origin.file(path, 100_000, 3);
        origin.route(path).etag(etag).lastModified(lastModified).truncateAfter(30_000).truncateTimes(1);

        Outcome item = fetchOne(origin.url(path));

        assertStored(item, data, 2);
        List<RecordedRequest> requests = origin.requests(path);
        assertThat(requests).hasSize(2);
        assertThat(requests.get(0).header("Range")).isNull();
        assertThat(requests.get(1).header("Range")).isEqualTo("bytes=30000-");
        assertThat(requests.get(1).header("If-Range")).isEqualTo(ifRange);
    }

    @Test
    void originIgnoringRangeStartsTheFileOver() {
        byte[] data = origin.file("/no-ranges.bin", 100_000, 4);
        origin.route("/no-ranges.bin").noRanges().truncateAfter(30_000).truncateTimes(1);

        Outcome item = fetchOne(origin.url("/no-ranges.bin"));

        assertStored(item, data, 2);
        assertThat(origin.requests("/no-ranges.bin")).extracting(r -> r.header("Range"))
                .containsExactly(null, "bytes=30000-");
    }

    @Test
    void cancellingWhileARetryWaitsRemovesThePartialFile() {
        origin.file("/cancel-waiting.bin", 100_000, 11);
        // Cut short first, so a partial file exists; then a 503 whose Retry-After keeps the item waiting.
        Route route = origin.route("/cancel-waiting.bin").truncateAfter(30_000).truncateTimes(1).status(200, 503)
                .retryAfter("120");
        String job = api.submit(List.of(origin.url("/cancel-waiting.bin")));
        await().atMost(FINISHES).until(() -> String.valueOf(item(job, 0).errorMessage())
                .equals("503 Service Unavailable; attempt 3 in 2000 ms"));
        // On a machine so slow that the wait ends before the cancel, the third attempt waits here, unfinished.
        route.hold();
        assertThat(files(job)).containsExactly("cancel-waiting.bin.part");

        assertThat(api.delete("/api/v1/jobs/" + job).status()).isEqualTo(202);

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(files(job)).isEmpty());
        route.release();
        Outcome item = item(job, 0);
        assertThat(item.state()).isEqualTo("CANCELLED");
        assertThat(item.attempts()).isEqualTo(2);
        assertThat(api.job(job).get("state").asString()).isEqualTo("CANCELLED");
    }

    @Test
    void connectionResetMidBodyResumesFromWhatArrived() {
        byte[] data = TestOrigin.randomBytes(200_000, 7);
        String url = origin.resetUrl(data, 100_000, 1);

        Outcome item = fetchOne(url);

        assertStored(item, data, 2);
        List<RecordedRequest> requests = origin.requests(URI.create(url).getPath());
        assertThat(requests).hasSize(2);
        // Bytes in flight when the reset arrives are lost, so the resume point is at most the cut-off.
        String range = requests.get(1).header("Range");
        if (range != null) {
            assertThat(Long.parseLong(range.replaceAll("bytes=(\\d+)-", "$1"))).isBetween(1L, 100_000L);
        }
    }

    @Test
    void connectionResetEveryTimeFailsWithConnection() {
        String url = origin.resetUrl(TestOrigin.randomBytes(100_000, 8), 10_000);

        Outcome item = fetchOne(url);

        assertFailed(item, "CONNECTION", 3);
        assertThat(item.errorMessage()).containsIgnoringCase("reset").endsWith("after 3 attempts");
    }

    @Test
    void refusedConnectionFailsWithConnection() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }

        Outcome item = fetchOne("http://127.0.0.1:" + closedPort + "/nothing.bin");

        assertFailed(item, "CONNECTION", 3);
        assertThat(item.errorMessage()).contains("refused").endsWith("after 3 attempts");
    }

    @Test
    void originNotAcceptingConnectionsTimesOutAfterConnectTimeout() throws IOException {
        List<Socket> queued = new ArrayList<>();
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            // Linux drops the SYN of a connection its full accept queue has no room for, so connecting hangs.
            boolean full = false;
            while (!full && queued.size() < 16) {
                Socket socket = new Socket();
                try {
                    socket.connect(listener.getLocalSocketAddress(), 200);
                    queued.add(socket);
                } catch (SocketTimeoutException hangs) {
                    socket.close();
                    full = true;
                }
            }
            assumeTrue(full, "this platform completes connections beyond the listen backlog");

            Outcome item = fetchOne("http://127.0.0.1:" + listener.getLocalPort() + "/never.bin");

            assertFailed(item, "TIMEOUT", 3);
            assertThat(item.errorMessage())
                    .isEqualTo("no connection within 1s (fetchline.fetch.connect-timeout) after 3 attempts");
        } finally {
            for (Socket socket : queued) {
                socket.close();
            }
        }
    }

    @Test
    void bodyStallingLongerThanReadTimeoutTimesOut() {
        origin.file("/stall.bin", 100_000, 9);
        origin.route("/stall.bin").stallAfter(10_000);

        Outcome item = fetchOne(origin.url("/stall.bin"));

        assertFailed(item, "TIMEOUT", 3);
        assertThat(item.errorMessage()).isEqualTo("no data for 1s (fetchline.fetch.read-timeout) after 3 attempts");
        assertThat(origin.requests("/stall.bin")).extracting(r -> r.header("Range"))
                .containsExactly(null, "bytes=10000-", "bytes=20000-");
    }

    @Test
    void slowButSteadyBodyTakingLongerThanReadTimeoutSucceeds() {
        byte[] data = origin.file("/steady.bin", 60_000, 10);
        origin.route("/steady.bin").bytesPerSecond(30_000);

        Outcome item = fetchOne(origin.url("/steady.bin"));

        assertStored(item, data, 1);
        Duration took = Duration.between(Instant.parse(text(item.item(), "startedAt")),
                Instant.parse(text(item.item(), "finishedAt")));
        assertThat(took).isGreaterThan(Duration.ofMillis(1500));
    }

    @Test
    void silentServerTimesOut() {
        Outcome item = fetchOne(origin.silentUrl());

        assertFailed(item, "TIMEOUT", 3);
        assertThat(item.errorMessage()).isEqualTo("no data for 1s (fetchline.fetch.read-timeout) after 3 attempts");
    }

    private static Duration gap(RecordedRequest earlier, RecordedRequest later) {
        return Duration.between(earlier.arrivedAt(), later.arrivedAt());
    }
}
