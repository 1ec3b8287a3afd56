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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.fetchline.FetchlineClient;
import io.fetchline.origin.RecordedRequest;
import io.fetchline.origin.TestOrigin;
import tools.jackson.databind.JsonNode;

/** SIGKILL and a paused job: the pause holds across the restart, and restarts never lose track of a finished file. */
class PauseRestartIT extends ServiceProcessTest {

    private static final Duration FINISH = Duration.ofSeconds(90);
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-");

    @Test
    void aPauseSurvivesSigkillAndResumeContinuesThePartFileWithRange() throws IOException {
        String path = "/paused/big.bin";
        byte[] content = origin.file(path, 4 * MiB, 7);
        // Eight seconds for the whole file: the pause lands mid-file.
        origin.route(path).bytesPerSecond(512 * 1024);
        service = new ServiceProcess("pause-restart", home);
        FetchlineClient first = service.start();
        String id = first.submit(List.of(origin.url(path)));
        await().atMost(FINISH).pollInterval(Duration.ofMillis(50))
                .until(() -> first.item(id, 0).get("bytes").asLong() >= 512 * 1024);

        FetchlineClient.Response paused = first.post("/api/v1/jobs/" + id + "/pause");
        // At once: the pause has to hold from the moment it was answered.
        service.kill();

        assertThat(paused.status()).as(paused.body()).isEqualTo(202);
        assertThat(paused.json().get("state").asString()).isEqualTo("PAUSED");
        assertThat(service.files(id)).as("files left by the killed service").containsExactly("big.bin.part");
        int requestsBefore = origin.requests(path).size();

        FetchlineClient api = service.start();

        assertThat(api.job(id).get("state").asString()).isEqualTo("PAUSED");
        await("after the restart: no request, still PAUSED").during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(6))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> origin.requests(path).size() == requestsBefore
                        && api.job(id).get("state").asString().equals("PAUSED"));
        JsonNode item = api.item(id, 0);
        assertThat(item.get("state").asString()).as(item.toString()).isEqualTo("QUEUED");
        Path part = service.downloads().resolve(id).resolve("big.bin.part");
        assertThat(part).as("the partial file after the restart").exists();
        long stored = Files.size(part);
        assertThat(stored).as("bytes kept in %s", part).isPositive();

        origin.route(path).bytesPerSecond(0);
        FetchlineClient.Response resumed = api.post("/api/v1/jobs/" + id + "/resume");

        assertThat(resumed.status()).as(resumed.body()).isEqualTo(202);
        api.awaitState(id, "SUCCEEDED", FINISH);
        item = api.item(id, 0);
        assertThat(item.get("sha256").asString()).as(item.toString()).isEqualTo(TestOrigin.sha256(content));
        assertThat(TestOrigin.sha256(Files.readAllBytes(service.downloads().resolve(id).resolve("big.bin"))))
                .as("SHA-256 on disk").isEqualTo(TestOrigin.sha256(content));
        assertThat(service.files(id)).containsExactly("big.bin");
        List<RecordedRequest> requests = origin.requests(path);
        assertThat(requests).as("requests without Range").filteredOn(r -> r.header("Range") == null).hasSize(1);
        assertThat(requests.subList(requestsBefore, requests.size())).as("requests after the resume")
                .isNotEmpty()
                .allSatisfy(r -> {
                    Matcher range = RANGE.matcher(String.valueOf(r.header("Range")));
                    assertThat(range.matches()).as("Range: %s", r.header("Range")).isTrue();
                    assertThat(Long.parseLong(range.group(1))).isPositive().isLessThanOrEqualTo(stored);
                });
    }

    @Test
    void repeatedSigkillNeverLeavesAnUnfinishedItemBehindItsCompleteFile() throws IOException {
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (int i = 1; i <= 3; i++) {
            String path = "/mixed/large-" + i + ".bin";
            files.put(path, origin.file(path, 3 * MiB, i));
            origin.route(path).bytesPerSecond(MiB);
        }
        for (int i = 0; i < 400; i++) {
            String path = String.format("/mixed/small-%03d.bin", i);
            files.put(path, origin.file(path, 1_000 + (i * 397) % 15_000, 100 + i));
            // Some fifty to a hundred small files a second: every kill lands among files being finished.
            origin.route(path).delayBeforeHeaders(Duration.ofMillis(80));
        }
        service = new ServiceProcess("pause-kill-loop", home);
        FetchlineClient api = service.start();
        String id = api.submit(files.keySet().stream().map(origin::url).toList());

        for (int round = 1; round <= 5; round++) {
            FetchlineClient running = api;
            long finished = finishedFiles(id);
            // The worst moment is between a file's rename into place and the record of its item's success: aim
            // for it, so that most rounds leave such a file behind. Progress is counted on disk, where it shows
            // first, and bounded, so that five rounds leave the job work to do.
            await().atMost(FINISH).pollInterval(Duration.ofMillis(10)).until(() -> {
                long now = finishedFiles(id);
                return now >= finished + 10 && (now >= finished + 40 || completeButActive(running, id));
            });
            service.kill();
            // Nothing the restarted service asks for is answered until the check is done, so no file can be
            // completed meanwhile: every complete file it sees was left by the killed process.
            files.keySet().forEach(path -> origin.route(path).hold());

            api = service.start();

            assertNoUnfinishedItemHasItsCompleteFile(api, id, files.size(), round);
            files.keySet().forEach(path -> origin.route(path).release());
        }

        JsonNode job = api.awaitState(id, "SUCCEEDED", FINISH);
        assertThat(job.get("items").get("succeeded").asInt()).isEqualTo(files.size());
        List<JsonNode> items = api.allItems(id, 250);
        assertThat(items).hasSize(files.size());
        List<String> names = new ArrayList<>();
        int index = 0;
        for (Map.Entry<String, byte[]> file : files.entrySet()) {
            String name = file.getKey().substring(file.getKey().lastIndexOf('/') + 1);
            names.add(name);
            JsonNode item = items.get(index++);
            String sha256 = TestOrigin.sha256(file.getValue());
            assertThat(item.get("state").asString()).as(item.toString()).isEqualTo("SUCCEEDED");
            assertThat(item.get("file").asString()).as(item.toString()).isEqualTo(name);
            assertThat(item.get("sha256").asString()).as(item.toString()).isEqualTo(sha256);
            Path stored = service.downloads().resolve(id).resolve(name);
            assertThat(TestOrigin.sha256(Files.readAllBytes(stored))).as("SHA-256 of %s on disk", stored)
                    .isEqualTo(sha256);
        }
        names.sort(null);
        assertThat(service.files(id)).as("files in the job's folder").containsExactlyElementsOf(names);
    }

    /** Complete files in the job's folder. */
    private long finishedFiles(String id) throws IOException {
        return service.files(id).stream().filter(name -> !name.endsWith(".part")).count();
    }

    /** Whether an item shows ACTIVE while its file is already complete under its final name. */
    private boolean completeButActive(FetchlineClient api, String id) {
        Path folder = service.downloads().resolve(id);
        for (JsonNode item : api.items(id, "?state=ACTIVE&limit=1000").get("items")) {
            JsonNode file = item.get("file");
            if (file != null && !file.isNull() && Files.exists(folder.resolve(file.asString()))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Health is UP only once recovery has reconciled the store with the files: no item is QUEUED or ACTIVE while
     * its file already sits complete under its final name (which only a finished download is ever renamed to).
     */
    private void assertNoUnfinishedItemHasItsCompleteFile(FetchlineClient api, String id, int total, int round) {
        Path folder = service.downloads().resolve(id);
        List<JsonNode> items = api.allItems(id, 250);
        assertThat(items).as("items after restart %d", round).hasSize(total);
        assertThat(items).as("after restart %d, unfinished items whose complete file is in %s", round, folder)
                .filteredOn(item -> item.get("state").asString().equals("QUEUED")
                        || item.get("state").asString().equals("ACTIVE"))
                .filteredOn(item -> item.get("file") != null && !item.get("file").isNull())
                .noneMatch(item -> Files.exists(folder.resolve(item.get("file").asString())));
        assertThat(items).as("after restart %d, succeeded items without their file", round)
                .filteredOn(item -> item.get("state").asString().equals("SUCCEEDED"))
                .allMatch(item -> Files.exists(folder.resolve(item.get("file").asString())));
    }
}
