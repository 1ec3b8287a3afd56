package io.fetchline.durability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fetchline.FetchlineClient;
import io.fetchline.origin.RecordedRequest;
import io.fetchline.origin.TestOrigin;
import tools.jackson.databind.JsonNode;

/** SIGKILL at the worst moments: nothing accepted is lost, nothing is fetched twice, nothing is left behind. */
class CrashRecoveryIT extends ServiceProcessTest {

    private static final Duration FINISH = Duration.ofSeconds(90);

    @Test
    void resumesLargeFilesFromTheirPartFilesAfterSigkill() throws IOException {
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (int i = 1; i <= 4; i++) {
            String path = "/crash/large-" + i + ".bin";
            files.put(path, origin.file(path, 6 * MiB, i));
            // Slow enough that the kill lands mid-file, fast enough for a short test.
            origin.route(path).bytesPerSecond(1536 * 1024);
        }
        files.put("/crash/small.bin", origin.file("/crash/small.bin", 20_000, 9));
        service = new ServiceProcess("crash-large", home, "--fetchline.storage.fsync=true");
        FetchlineClient first = service.start();
        String id = first.submit(files.keySet().stream().map(origin::url).toList());

        // Each large file has at least 1 MiB recorded, so at least that much is in its .part file.
        await().atMost(FINISH).pollInterval(Duration.ofMillis(50)).until(() -> {
            JsonNode items = first.items(id, "").get("items");
            for (int i = 0; i < 4; i++) {
                if (items.get(i).get("bytes").asLong() < MiB) {
                    return false;
                }
            }
            return true;
        });
        service.kill();
        assertThat(service.files(id)).as("files left by the killed service")
                .contains("large-1.bin.part", "large-2.bin.part", "large-3.bin.part", "large-4.bin.part");
        int requestsBefore = origin.requests().size();

        FetchlineClient api = service.start();
        api.awaitState(id, "SUCCEEDED", FINISH);

        assertEveryFileArrivedIntact(api, id, files);
        List<RecordedRequest> afterRestart = origin.requests().subList(requestsBefore, origin.requests().size());
        for (int i = 1; i <= 4; i++) {
            String path = "/crash/large-" + i + ".bin";
            assertThat(origin.requests(path).stream().filter(r -> r.header("Range") == null))
                    .as("full requests for %s: the restart resumes, it does not fetch again", path)
                    .hasSize(1);
        }
        assertThat(afterRestart).as("requests after the restart")
                .filteredOn(r -> r.path().startsWith("/crash/large-"))
                .isNotEmpty()
                .allSatisfy(r -> assertThat(r.header("Range")).matches("bytes=[1-9][0-9]*-"));
    }

    @Test
    void aJobKilledRightAfterItsAcceptanceIsDoneAfterTheRestart() throws IOException {
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (int i = 0; i < 50; i++) {
            String path = String.format("/accepted/file-%02d.bin", i);
            files.put(path, origin.file(path, 16_384 + i * 1000, 100 + i));
        }
        service = new ServiceProcess("crash-accepted", home);
        FetchlineClient api = service.start();

        FetchlineClient.Response accepted = api.post("/api/v1/jobs", "text/uri-list", uriList(files), Map.of());
        service.kill();
        assertThat(accepted.status()).as(accepted.body()).isEqualTo(202);
        String id = accepted.json().get("id").asString();

        api = service.start();
        JsonNode job = api.awaitState(id, "SUCCEEDED", FINISH);
        assertThat(job.get("items").get("total").asInt()).isEqualTo(50);
        assertThat(job.get("items").get("succeeded").asInt()).isEqualTo(50);
        assertEveryFileArrivedIntact(api, id, files);
    }

    @Test
    void aRepeatedSubmitAfterTheRestartReturnsTheStoredJob() {
        origin.file("/idem/a.bin", 10_000, 1);
        String body = origin.url("/idem/a.bin") + "\n";
        Map<String, String> key = Map.of("Idempotency-Key", "nightly-2026-11-26");
        service = new ServiceProcess("crash-idempotency", home);
        FetchlineClient api = service.start();
        FetchlineClient.Response first = api.post("/api/v1/jobs", "text/uri-list", body, key);
        // The client never saw an answer, so it sends the same request again once the service is back.
        service.kill();
        assertThat(first.status()).as(first.body()).isEqualTo(202);

        api = service.start();
        FetchlineClient.Response repeat = api.post("/api/v1/jobs", "text/uri-list", body, key);
        FetchlineClient.Response other = api.post("/api/v1/jobs", "text/uri-list",
                origin.url("/idem/b.bin") + "\n", key);

        assertThat(repeat.status()).as(repeat.body()).isEqualTo(200);
        assertThat(repeat.json().get("id").asString()).isEqualTo(first.json().get("id").asString());
        assertThat(repeat.header("Location")).isEqualTo(first.header("Location"));
        assertThat(other.status()).as(other.body()).isEqualTo(422);
        assertThat(api.get("/api/v1/jobs").json().get("total").asInt()).isEqualTo(1);
    }

    @Test
    void cancelAndRetryWorkOnAJobResumedAfterSigkill() throws IOException {
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (int i = 1; i <= 3; i++) {
            String path = "/cancel/part-" + i + ".bin";
            files.put(path, origin.file(path, 4 * MiB, 20 + i));
            origin.route(path).bytesPerSecond(MiB);
        }
        service = new ServiceProcess("crash-cancel", home);
        FetchlineClient api = service.start();
        String id = api.submit(files.keySet().stream().map(origin::url).toList());
        await().atMost(FINISH).pollInterval(Duration.ofMillis(50))
                .until(() -> api.job(id).get("bytes").get("downloaded").asLong() >= 3 * 256 * 1024);
        service.kill();

        FetchlineClient restarted = service.start();
        FetchlineClient.Response cancelled = restarted.delete("/api/v1/jobs/" + id);
        assertThat(cancelled.status()).as(cancelled.body()).isEqualTo(202);
        restarted.awaitState(id, "CANCELLED", FINISH);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(service.files(id))
                .as("partial files of a cancelled job").noneMatch(name -> name.endsWith(".part")));

        FetchlineClient.Response retried = restarted.post("/api/v1/jobs/" + id + "/retry", "text/plain", "",
                Map.of());
        assertThat(retried.status()).as(retried.body()).isEqualTo(202);
        restarted.awaitState(id, "SUCCEEDED", FINISH);
        assertEveryFileArrivedIntact(restarted, id, files);
    }

    /** Every item succeeded with the origin's bytes under its own name, and the folder holds nothing else. */
    private void assertEveryFileArrivedIntact(FetchlineClient api, String id, Map<String, byte[]> files)
            throws IOException {
        JsonNode items = api.items(id, "?limit=1000").get("items");
        assertThat(items).hasSize(files.size());
        List<String> expectedNames = new ArrayList<>();
        int index = 0;
        for (Map.Entry<String, byte[]> file : files.entrySet()) {
            String name = file.getKey().substring(file.getKey().lastIndexOf('/') + 1);
            expectedNames.add(name);
            JsonNode item = items.get(index++);
            String sha256 = TestOrigin.sha256(file.getValue());
            assertThat(item.get("state").asString()).as(item.toString()).isEqualTo("SUCCEEDED");
            assertThat(item.get("file").asString()).as(item.toString()).isEqualTo(name);
            assertThat(item.get("sha256").asString()).as(item.toString()).isEqualTo(sha256);
            assertThat(item.get("bytes").asLong()).as(item.toString()).isEqualTo(file.getValue().length);
            Path stored = service.downloads().resolve(id).resolve(name);
            assertThat(TestOrigin.sha256(Files.readAllBytes(stored))).as("SHA-256 of %s on disk", stored)
                    .isEqualTo(sha256);
        }
        expectedNames.sort(null);
        assertThat(service.files(id)).as("files in the job's folder").containsExactlyElementsOf(expectedNames);
    }

    private static String uriList(Map<String, byte[]> files) {
        StringBuilder body = new StringBuilder();
        files.keySet().forEach(path -> body.append(origin.url(path)).append('\n'));
        return body.toString();
    }
}
