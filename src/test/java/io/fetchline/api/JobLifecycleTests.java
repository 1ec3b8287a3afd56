package io.fetchline.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import io.fetchline.FetchlineTest;
import io.fetchline.origin.TestOrigin;
import tools.jackson.databind.JsonNode;

class JobLifecycleTests extends FetchlineTest {

    private static final int CHUNK = 256 * 1024;

    @Test
    void downloadsTwoHundredFilesOfMixedSizesAndVerifiesEachHash() throws Exception {
        Random random = new Random(42);
        List<String> urls = new ArrayList<>();
        List<byte[]> contents = new ArrayList<>();
        int[] edges = {0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 5 * 1024 * 1024};
        for (int i = 0; i < 200; i++) {
            int size = i < edges.length ? edges[i] : random.nextInt(i % 10 == 0 ? 5 * 1024 * 1024 : 300 * 1024);
            String path = "/mixed/file-" + i + ".bin";
            contents.add(origin.file(path, size, i));
            if (i % 7 == 0) {
                origin.route(path).chunked();
            }
            urls.add(origin.url(path));
        }

        String id = api.submit(urls);
        JsonNode job = api.awaitState(id, "SUCCEEDED", Duration.ofSeconds(120));

        long total = contents.stream().mapToLong(c -> c.length).sum();
        assertThat(job.get("items").get("succeeded").asInt()).isEqualTo(200);
        assertThat(job.get("bytes").get("downloaded").asLong()).isEqualTo(total);
        assertThat(job.get("bytes").get("expected").asLong()).isEqualTo(total);
        assertThat(job.get("startedAt").isNull()).isFalse();
        assertThat(job.get("finishedAt").isNull()).isFalse();
        JsonNode items = api.items(id, "?limit=1000").get("items");
        assertThat(items).hasSize(200);
        for (JsonNode item : items) {
            int index = item.get("index").asInt();
            byte[] content = contents.get(index);
            String expected = TestOrigin.sha256(content);
            assertThat(item.get("file").asString()).isEqualTo("file-" + index + ".bin");
            assertThat(item.get("sha256").asString()).isEqualTo(expected);
            assertThat(item.get("bytes").asLong()).isEqualTo(content.length);
            assertThat(item.get("size").asLong()).isEqualTo(content.length);
            assertThat(item.get("httpStatus").asInt()).isEqualTo(200);
            assertThat(item.get("attempts").asInt()).isEqualTo(1);
            assertThat(sha256(jobFolder(id).resolve("file-" + index + ".bin"))).isEqualTo(expected);
        }
        try (Stream<Path> files = Files.list(jobFolder(id))) {
            assertThat(files.map(p -> p.getFileName().toString())).hasSize(200).noneMatch(n -> n.endsWith(".part"));
        }
    }

    @Test
    void jsonSubmissionKeepsLabelOrderAndRequestedNames() {
        byte[] a = origin.file("/json/a.bin", 1000, 1);
        byte[] c = origin.file("/json/c.bin", 2000, 2);
        String body = """
                {"label": "nightly mirror",
                 "urls": ["%s"],
                 "items": [{"url": "%s", "fileName": "c-2026.bin", "sha256": "%s"}]}
                """.formatted(origin.url("/json/a.bin"), origin.url("/json/c.bin"), TestOrigin.sha256(c));

        String id = api.submitJson(body);
        JsonNode job = api.awaitState(id, "SUCCEEDED", Duration.ofSeconds(30));

        assertThat(job.get("label").asString()).isEqualTo("nightly mirror");
        assertThat(job.get("directory").asString()).isEqualTo(id);
        assertThat(api.item(id, 0).get("file").asString()).isEqualTo("a.bin");
        assertThat(api.item(id, 1).get("file").asString()).isEqualTo("c-2026.bin");
        assertThat(api.item(id, 0).get("sha256").asString()).isEqualTo(TestOrigin.sha256(a));
        assertThat(Files.exists(jobFolder(id).resolve("c-2026.bin"))).isTrue();
    }

    @Test
    void jobResourceHasEveryFieldOfTheContract() {
        origin.file("/fields/x.bin", 10, 3);
        String id = api.submit(List.of(origin.url("/fields/x.bin")));
        JsonNode job = api.awaitState(id, "SUCCEEDED", Duration.ofSeconds(30));

        assertThat(job.propertyNames()).containsExactlyInAnyOrder("id", "label", "state", "createdAt", "startedAt",
                "finishedAt", "directory", "items", "bytes", "priority", "maxBytesPerSecond", "headers", "webhook");
        assertThat(job.get("items").propertyNames()).containsExactlyInAnyOrder("total", "queued", "active",
                "succeeded", "failed", "cancelled");
        assertThat(job.get("createdAt").asString()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
        JsonNode item = api.item(id, 0);
        assertThat(item.propertyNames()).containsExactlyInAnyOrder("index", "url", "state", "file", "bytes", "size",
                "sha256", "httpStatus", "attempts", "error", "startedAt", "finishedAt");
        assertThat(item.get("error").isNull()).isTrue();
    }

    static String sha256(Path file) throws IOException {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            try (var in = Files.newInputStream(file)) {
                byte[] buffer = new byte[64 * 1024];
                for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                    digest.update(buffer, 0, n);
                }
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (java.security.NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
    }
}
