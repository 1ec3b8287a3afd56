package io.fetchline.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import org.junit.jupiter.api.Test;

import io.fetchline.origin.TestOrigin;
import tools.jackson.databind.JsonNode;

/** Redirects, size limits, encodings, checksums and odd answers to a resumed request. */
class FetchFaultResponseTests extends FaultyOriginTest {

    @Test
    void followsRelativeRedirectsAndNamesTheFileAfterTheSubmittedUrl() {
        byte[] data = origin.file("/files/final.bin", 40_000, 11);
        origin.route("/old/start.bin").redirect(301, "../moved/step.bin");
        origin.route("/moved/step.bin").redirect(302, "/files/final.bin");

        Outcome item = fetchOne(origin.url("/old/start.bin"));

        assertStored(item, data, 1);
        assertThat(item.file()).isEqualTo("start.bin");
        assertThat(origin.requestCount("/moved/step.bin")).isEqualTo(1);
        assertThat(origin.requestCount("/files/final.bin")).isEqualTo(1);
    }

    @Test
    void followsAsManyRedirectsAsAllowed() {
        byte[] data = origin.file("/hops/end.bin", 1_000, 12);
        origin.route("/hops/1").redirect(307, origin.url("/hops/2"));
        origin.route("/hops/2").redirect(308, origin.url("/hops/3"));
        origin.route("/hops/3").redirect(303, origin.url("/hops/end.bin"));

        assertStored(fetchOne(origin.url("/hops/1")), data, 1);
    }

    @Test
    void redirectLoopFailsAtTheLimitWithoutRetrying() {
        origin.route("/loop/a").redirect(302, "b");
        origin.route("/loop/b").redirect(302, "a");

        Outcome item = fetchOne(origin.url("/loop/a"));

        assertFailed(item, "REDIRECT_LIMIT", 1);
        assertThat(item.errorMessage()).isEqualTo(
                "more than 3 redirects (fetchline.fetch.max-redirects); the next was to " + origin.url("/loop/a"));
        assertThat(origin.requestCount("/loop/a") + origin.requestCount("/loop/b")).isEqualTo(4);
    }

    @Test
    void redirectToFileSchemeIsRefused() {
        origin.route("/to-file").redirect(302, "file:///etc/passwd");

        Outcome item = fetchOne(origin.url("/to-file"));

        assertFailed(item, "UNSUPPORTED_SCHEME", 1);
        assertThat(item.errorMessage()).contains("file:///etc/passwd");
    }

    @Test
    void contentLengthOverTheLimitIsRefusedBeforeTheBody() {
        origin.file("/big.bin", (int) MAX_FILE_SIZE + 1, 13);
        long before = downloadedBytes();

        Outcome item = fetchOne(origin.url("/big.bin"));

        assertFailed(item, "TOO_LARGE", 1);
        assertThat(downloadedBytes()).as("body bytes read").isEqualTo(before);
        assertThat(item.errorMessage())
                .isEqualTo("size 1048577 bytes exceeds fetchline.fetch.max-file-size of 1048576 bytes");
    }

    @Test
    void chunkedBodyOverTheLimitIsCutOffWhileStreaming() {
        origin.file("/big-chunked.bin", (int) MAX_FILE_SIZE + 1, 14);
        origin.route("/big-chunked.bin").chunked();
        long before = downloadedBytes();

        Outcome item = fetchOne(origin.url("/big-chunked.bin"));

        assertFailed(item, "TOO_LARGE", 1);
        // The chunk that crosses the limit is dropped, not stored.
        assertThat(downloadedBytes() - before).as("body bytes read").isLessThanOrEqualTo(MAX_FILE_SIZE);
        assertThat(item.errorMessage()).isEqualTo("body exceeds fetchline.fetch.max-file-size of 1048576 bytes");
    }

    @Test
    void chunkedBodyOfExactlyTheLimitIsStored() {
        byte[] data = origin.file("/limit-chunked.bin", (int) MAX_FILE_SIZE, 15);
        origin.route("/limit-chunked.bin").chunked();

        assertStored(fetchOne(origin.url("/limit-chunked.bin")), data, 1);
    }

    @Test
    void gzipEncodedBodyIsStoredAsSent() {
        byte[] gzipped = gzip("id,value\n".repeat(5_000));
        origin.file("/report.csv", gzipped);
        origin.route("/report.csv").header("Content-Encoding", "gzip").header("Content-Type", "text/csv");

        Outcome item = fetchOne(origin.url("/report.csv"));

        assertStored(item, gzipped, 1);
        assertThat(item.file()).isEqualTo("report.csv");
    }

    @Test
    void matchingChecksumIsStored() {
        byte[] data = origin.file("/checked.bin", 70_000, 16);

        Outcome item = fetchJson(origin.url("/checked.bin"), TestOrigin.sha256(data).toUpperCase());

        assertStored(item, data, 1);
    }

    @Test
    void checksumMismatchFailsWithoutAFinalFile() {
        byte[] data = origin.file("/corrupt.bin", 70_000, 17);
        String expected = TestOrigin.sha256(TestOrigin.randomBytes(70_000, 18));

        Outcome item = fetchJson(origin.url("/corrupt.bin"), expected);

        assertFailed(item, "CHECKSUM_MISMATCH", 1);
        assertThat(item.errorMessage())
                .isEqualTo("SHA-256 is " + TestOrigin.sha256(data) + ", expected " + expected);
        assertThat(origin.requestCount("/corrupt.bin")).isEqualTo(1);
    }

    @Test
    void twoBadItemsFailAndTenGoodOnesAreStored() {
        List<String> entries = new ArrayList<>();
        List<byte[]> contents = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            byte[] data = origin.file("/batch/" + i + ".bin", 20_000 + i, 100 + i);
            contents.add(data);
            String sha256 = i == 8 ? TestOrigin.sha256(new byte[0]) : TestOrigin.sha256(data);
            String url = i == 3 ? origin.url("/batch/gone.bin") : origin.url("/batch/" + i + ".bin");
            entries.add("{\"url\": \"" + url + "\", \"sha256\": \"" + sha256 + "\"}");
        }

        String job = api.submitJson("{\"items\": [" + String.join(",", entries) + "]}");
        JsonNode finished = api.awaitState(job, "FAILED", FINISHES);

        assertThat(finished.get("items").get("succeeded").asInt()).isEqualTo(10);
        assertThat(finished.get("items").get("failed").asInt()).isEqualTo(2);
        List<String> stored = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            Outcome item = item(job, i);
            if (i == 3 || i == 8) {
                assertThat(item.state()).as(item.toString()).isEqualTo("FAILED");
                assertThat(item.attempts()).isEqualTo(1);
                assertThat(item.errorCode()).isEqualTo(i == 3 ? "HTTP_STATUS" : "CHECKSUM_MISMATCH");
            } else {
                assertThat(item.state()).as(item.toString()).isEqualTo("SUCCEEDED");
                assertThat(item.attempts()).isEqualTo(1);
                assertThat(TestOrigin.sha256(read(jobFolder(job).resolve(item.file()))))
                        .isEqualTo(TestOrigin.sha256(contents.get(i)));
                stored.add(item.file());
            }
        }
        assertThat(files(job)).containsExactlyInAnyOrderElementsOf(stored).hasSize(10);
    }

    @Test
    void completeFileAnswered416OnResumeIsStored() throws IOException {
        byte[] data = TestOrigin.randomBytes(50_000, 19);
        // Every byte arrives, but the closing chunk does not: the attempt fails with the file already whole.
        byte[] noLastChunk = ScriptedOrigin.response("""
                HTTP/1.1 200 OK
                ETag: "whole"
                Transfer-Encoding: chunked""", chunk(data));
        byte[] unsatisfiable = ScriptedOrigin.response("""
                HTTP/1.1 416 Range Not Satisfiable
                Content-Range: bytes */50000
                Content-Length: 0""", new byte[0]);
        try (ScriptedOrigin scripted = ScriptedOrigin.playing(noLastChunk, unsatisfiable)) {
            Outcome item = fetchOne(scripted.url("/whole.bin"));

            assertStored(item, data, 2);
            assertThat(scripted.requests()).extracting(r -> r.get("range")).containsExactly(null, "bytes=50000-");
            assertThat(scripted.requests().get(1)).containsEntry("if-range", "\"whole\"");
        }
    }

    @Test
    void partialContentForAnotherRangeStartsTheFileOver() throws IOException {
        byte[] data = TestOrigin.randomBytes(50_000, 20);
        String headers = """
                HTTP/1.1 200 OK
                ETag: "v"
                Content-Length: 50000""";
        byte[] cutShort = ScriptedOrigin.response(headers, data, 20_000);
        byte[] wrongRange = ScriptedOrigin.response("""
                HTTP/1.1 206 Partial Content
                ETag: "v"
                Content-Range: bytes 10000-49999/50000
                Content-Length: 40000""", Arrays.copyOfRange(data, 10_000, 50_000));
        byte[] whole = ScriptedOrigin.response(headers, data);
        try (ScriptedOrigin scripted = ScriptedOrigin.playing(cutShort, wrongRange, whole)) {
            Outcome item = fetchOne(scripted.url("/moving.bin"));

            assertStored(item, data, 3);
            assertThat(scripted.requests()).extracting(r -> r.get("range"))
                    .containsExactly(null, "bytes=20000-", null);
        }
    }

    @Test
    void partialContentFromTheStartIsTakenAsTheWholeFile() throws IOException {
        byte[] data = TestOrigin.randomBytes(50_000, 21);
        byte[] cutShort = ScriptedOrigin.response("""
                HTTP/1.1 200 OK
                ETag: "v"
                Content-Length: 50000""", data, 20_000);
        byte[] fromZero = ScriptedOrigin.response("""
                HTTP/1.1 206 Partial Content
                ETag: "v"
                Content-Range: bytes 0-49999/50000
                Content-Length: 50000""", data);
        try (ScriptedOrigin scripted = ScriptedOrigin.playing(cutShort, fromZero)) {
            Outcome item = fetchOne(scripted.url("/from-zero.bin"));

            assertStored(item, data, 2);
            assertThat(scripted.requests()).hasSize(2);
        }
    }

    private Outcome fetchJson(String url, String sha256) {
        String job = api.submitJson("{\"items\": [{\"url\": \"" + url + "\", \"sha256\": \"" + sha256 + "\"}]}");
        api.awaitFinished(job, FINISHES);
        return item(job, 0);
    }

    private static byte[] chunk(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes((Integer.toHexString(data.length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.writeBytes(data);
        out.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
        return out.toByteArray();
    }

    private static byte[] gzip(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
            gzip.write(text.getBytes(StandardCharsets.UTF_8));
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return out.toByteArray();
    }
}
