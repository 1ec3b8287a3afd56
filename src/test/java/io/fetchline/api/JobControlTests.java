package io.fetchline.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.fetchline.FetchlineClient.Response;
import io.fetchline.FetchlineTest;
import io.fetchline.origin.RecordedRequest;
import io.fetchline.origin.TestOrigin;
import tools.jackson.databind.JsonNode;

/**
 * Job control of API 1.1: pause, resume, PATCH of label, priority and bandwidth, the submit fields that go with
 * them, cancel of a paused job and the {@code fetchline_jobs_paused} gauge. Slow items are bodies the origin paces,
 * so that an item is mid-download when the test acts on it.
 */
class JobControlTests extends FetchlineTest {

    /** The contract: active items of a paused job stop within 2 seconds. */
    private static final Duration STOPS_WITHIN = Duration.ofSeconds(2);
    /** How long "nothing happens" is watched for. */
    private static final Duration QUIET = Duration.ofMillis(1500);
    private static final Duration FINISHES = Duration.ofSeconds(30);
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-");
    private static final AtomicInteger UNIQUE = new AtomicInteger();


    // ---- pause and resume ---------------------------------------------------------------------------------------

    @Test
    void pauseStopsActiveItemsAndKeepsTheirPartFiles() {
        List<String> paths = slowFiles("/pause", 2);
        String id = submitAndAwaitBytes(paths);

        Response pause = api.post("/api/v1/jobs/" + id + "/pause");

        assertThat(pause.status()).as(pause.body()).isEqualTo(202);
        assertThat(pause.json().get("id").asString()).isEqualTo(id);
        assertThat(pause.json().get("state").asString()).isEqualTo("PAUSED");
        awaitItemsStopped(id);
        JsonNode job = api.job(id);
        assertThat(job.get("state").asString()).isEqualTo("PAUSED");
        assertThat(job.get("items").get("active").asInt()).isZero();
        assertThat(job.get("items").get("queued").asInt()).isEqualTo(2);
        Map<Path, Long> parts = new HashMap<>();
        for (JsonNode item : api.items(id, "").get("items")) {
            assertThat(item.get("bytes").asLong()).as(item.toString()).isPositive();
            Path part = jobFolder(id).resolve(item.get("file").asString() + ".part");
            assertThat(part).as("partial file of %s", item).exists();
            assertThat(size(part)).as("bytes in %s", part).isPositive();
            parts.put(part, size(part));
            assertThat(jobFolder(id).resolve(item.get("file").asString())).doesNotExist();
        }
        // Stopped for real: no request reaches the origin, no byte is added to a partial file, and it stays paused,
        // also when other work makes the service look for items to start.
        int requests = requestCount("/pause/");
        finishAnotherJob("/pause-nudge.bin");
        throughout("paused job: no request, no byte, still PAUSED").until(() ->
                requestCount("/pause/") == requests
                        && parts.entrySet().stream().allMatch(part -> size(part.getKey()) == part.getValue())
                        && api.job(id).get("state").asString().equals("PAUSED"));
    }

    @Test
    void resumeContinuesThePartFilesWithRangeAndCompletesThem() {
        List<String> paths = slowFiles("/resume", 2);
        String id = submitAndAwaitBytes(paths);
        assertThat(api.post("/api/v1/jobs/" + id + "/pause").status()).isEqualTo(202);
        awaitItemsStopped(id);
        Map<String, Long> stored = new HashMap<>();
        Map<String, Integer> requestsBefore = new HashMap<>();
        List<JsonNode> items = api.allItems(id, 100);
        for (int i = 0; i < paths.size(); i++) {
            stored.put(paths.get(i), size(jobFolder(id).resolve(items.get(i).get("file").asString() + ".part")));
            requestsBefore.put(paths.get(i), origin.requestCount(paths.get(i)));
        }
        // Full speed from here on: only the resumption is under test now.
        paths.forEach(path -> origin.route(path).bytesPerSecond(0));

        Response resume = api.post("/api/v1/jobs/" + id + "/resume");

        assertThat(resume.status()).as(resume.body()).isEqualTo(202);
        assertThat(resume.json().get("state").asString()).isIn("QUEUED", "RUNNING");
        api.awaitState(id, "SUCCEEDED", FINISHES);
        items = api.allItems(id, 100);
        for (int i = 0; i < paths.size(); i++) {
            String path = paths.get(i);
            byte[] content = origin.route(path).content();
            assertStoredIntact(id, items.get(i), content);
            // A pause is no failed attempt: it must not use up the item's retries.
            assertThat(items.get(i).get("attempts").asInt()).as(items.get(i).toString()).isEqualTo(1);
            List<RecordedRequest> requests = origin.requests(path);
            assertThat(requests).as("requests for %s", path).filteredOn(r -> r.header("Range") == null).hasSize(1);
            List<RecordedRequest> resumed = requests.subList(requestsBefore.get(path), requests.size());
            assertThat(resumed).as("requests for %s after the resume", path).isNotEmpty().allSatisfy(r -> {
                Matcher range = RANGE.matcher(String.valueOf(r.header("Range")));
                assertThat(range.matches()).as("Range: %s", r.header("Range")).isTrue();
                // It goes on from the bytes kept, never past them.
                assertThat(Long.parseLong(range.group(1))).isPositive().isLessThanOrEqualTo(stored.get(path));
            });
        }
        assertThat(files(id)).noneMatch(name -> name.endsWith(".part"));
    }

    @Test
    void aJobSubmittedPausedSendsNoRequestUntilResumed() {
        List<String> paths = List.of("/born-paused/a.bin", "/born-paused/b.bin");
        paths.forEach(path -> origin.file(path, 50_000, path.hashCode()));

        Response submitted = api.post("/api/v1/jobs", "application/json",
                "{\"paused\": true, \"urls\": " + jsonUrls(paths) + "}", Map.of());

        assertThat(submitted.status()).as(submitted.body()).isEqualTo(202);
        assertThat(submitted.json().get("state").asString()).isEqualTo("PAUSED");
        String id = submitted.json().get("id").asString();
        cancelAfterwards(id);
        finishAnotherJob("/born-paused-nudge.bin");
        throughout("job submitted paused: no request, still PAUSED").until(() ->
                requestCount("/born-paused/") == 0 && api.job(id).get("state").asString().equals("PAUSED"));
        assertThat(api.allItems(id, 100)).allSatisfy(item ->
                assertThat(item.get("state").asString()).as(item.toString()).isEqualTo("QUEUED"));

        Response resume = api.post("/api/v1/jobs/" + id + "/resume");

        assertThat(resume.status()).as(resume.body()).isEqualTo(202);
        api.awaitState(id, "SUCCEEDED", FINISHES);
        List<JsonNode> items = api.allItems(id, 100);
        for (int i = 0; i < paths.size(); i++) {
            assertStoredIntact(id, items.get(i), origin.route(paths.get(i)).content());
            assertThat(origin.requests(paths.get(i))).as("requests for %s", paths.get(i)).hasSize(1);
        }
    }

    @Test
    void pauseAndResumeChangeNothingWhenRepeatedOrNotPaused() {
        String path = runningPath();
        String id = runningJob(path, "");

        Response resumeRunning = api.post("/api/v1/jobs/" + id + "/resume");

        assertThat(resumeRunning.status()).as(resumeRunning.body()).isEqualTo(202);
        assertThat(resumeRunning.json().get("state").asString()).isEqualTo("RUNNING");
        // The transfer goes on as it was: not restarted, not stopped.
        throughout("resume of a running job: same transfer, still ACTIVE").until(() ->
                origin.requestCount(path) == 1 && origin.inFlight(path) == 1
                        && api.item(id, 0).get("state").asString().equals("ACTIVE"));

        Response pause = api.post("/api/v1/jobs/" + id + "/pause");
        Response pauseAgain = api.post("/api/v1/jobs/" + id + "/pause");

        assertThat(pause.status()).as(pause.body()).isEqualTo(202);
        assertThat(pauseAgain.status()).as(pauseAgain.body()).isEqualTo(202);
        assertThat(pauseAgain.json().get("state").asString()).isEqualTo("PAUSED");
        awaitItemsStopped(id);
        Response pauseStopped = api.post("/api/v1/jobs/" + id + "/pause");
        assertThat(pauseStopped.status()).as(pauseStopped.body()).isEqualTo(202);
        assertThat(pauseStopped.json().get("state").asString()).isEqualTo("PAUSED");
        throughout("paused again: no request, item QUEUED, job PAUSED").until(() ->
                origin.requestCount(path) == 1 && api.item(id, 0).get("state").asString().equals("QUEUED")
                        && api.job(id).get("state").asString().equals("PAUSED"));

        // Held, the resumed request cannot finish the job before the second resume arrives (that would be a 409).
        origin.route(path).hold();
        Response resume = api.post("/api/v1/jobs/" + id + "/resume");
        Response resumeAgain = api.post("/api/v1/jobs/" + id + "/resume");

        assertThat(resume.status()).as(resume.body()).isEqualTo(202);
        assertThat(resumeAgain.status()).as(resumeAgain.body()).isEqualTo(202);
        assertThat(resumeAgain.json().get("state").asString()).isIn("QUEUED", "RUNNING");
        origin.route(path).bytesPerSecond(0).release();
        api.awaitState(id, "SUCCEEDED", FINISHES);
        assertStoredIntact(id, api.item(id, 0), origin.route(path).content());
        // Resumed once: the second resume did not start a second transfer of the item.
        assertThat(origin.requests(path)).as("requests for %s", path).hasSize(2);
    }

    @Test
    void pauseResumeAndPatchOfAFinishedJobAreConflicts() {
        origin.file("/terminal/ok.bin", 1_000, 1);
        String succeeded = api.submitJson("{\"label\": \"done\", \"urls\": [\"" + origin.url("/terminal/ok.bin")
                + "\"]}");
        String failed = api.submitJson("{\"label\": \"broken\", \"urls\": [\"" + origin.url("/terminal/missing")
                + "\"]}");
        String cancelled = runningJob(runningPath(), "\"label\": \"stopped\", ");
        assertThat(api.delete("/api/v1/jobs/" + cancelled).status()).isEqualTo(202);
        api.awaitState(succeeded, "SUCCEEDED", FINISHES);
        api.awaitState(failed, "FAILED", FINISHES);
        api.awaitState(cancelled, "CANCELLED", FINISHES);

        for (String id : List.of(succeeded, failed, cancelled)) {
            JsonNode before = api.job(id);

            assertProblem(api.post("/api/v1/jobs/" + id + "/pause"), 409);
            assertProblem(api.post("/api/v1/jobs/" + id + "/resume"), 409);
            assertProblem(api.patch("/api/v1/jobs/" + id, "application/json",
                    "{\"label\": \"changed\", \"priority\": 9}"), 409);

            JsonNode after = api.job(id);
            assertThat(after.get("state").asString()).as(after.toString())
                    .isEqualTo(before.get("state").asString());
            assertControls(after, text(before, "label"), 0, null);
        }
    }

    @Test
    void controlOfAnUnknownJobIsNotFound() {
        for (String id : List.of("00000000-0000-0000-0000-000000000002", "not-a-uuid")) {
            assertProblem(api.post("/api/v1/jobs/" + id + "/pause"), 404);
            assertProblem(api.post("/api/v1/jobs/" + id + "/resume"), 404);
            assertProblem(api.patch("/api/v1/jobs/" + id, "application/json", "{\"priority\": 1}"), 404);
        }
    }

    @Test
    void cancelOfAPausedJobRemovesItsPartFilesAndKeepsFinishedFiles() {
        byte[] fast = origin.file("/cancel-paused/fast.bin", 1_000, 31);
        origin.file("/cancel-paused/slow.bin", 2_000_000, 32);
        origin.route("/cancel-paused/slow.bin").bytesPerSecond(200_000);
        String id = api.submit(List.of(origin.url("/cancel-paused/fast.bin"),
                origin.url("/cancel-paused/slow.bin")));
        await("fast item done, slow item storing").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                .until(() -> api.item(id, 0).get("state").asString().equals("SUCCEEDED")
                        && api.item(id, 1).get("bytes").asLong() > 0);
        assertThat(api.post("/api/v1/jobs/" + id + "/pause").status()).isEqualTo(202);
        await("paused item back to QUEUED").atMost(STOPS_WITHIN).pollInterval(Duration.ofMillis(50))
                .until(() -> api.item(id, 1).get("state").asString().equals("QUEUED"));
        Path part = jobFolder(id).resolve("slow.bin.part");
        assertThat(part).exists();
        int requests = origin.requestCount("/cancel-paused/slow.bin");

        Response cancel = api.delete("/api/v1/jobs/" + id);

        assertThat(cancel.status()).as(cancel.body()).isEqualTo(202);
        assertThat(cancel.json().get("state").asString()).isEqualTo("CANCELLED");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(part).doesNotExist());
        assertThat(jobFolder(id).resolve("slow.bin")).doesNotExist();
        assertThat(TestOrigin.sha256(read(jobFolder(id).resolve("fast.bin")))).isEqualTo(TestOrigin.sha256(fast));
        assertThat(api.item(id, 0).get("state").asString()).isEqualTo("SUCCEEDED");
        assertThat(api.item(id, 1).get("state").asString()).isEqualTo("CANCELLED");
        throughout("cancelled paused job: no request, still CANCELLED").until(() ->
                origin.requestCount("/cancel-paused/slow.bin") == requests
                        && api.job(id).get("state").asString().equals("CANCELLED"));
    }

    @Test
    void pausedJobsGaugeCountsThePausedJobs() {
        double before = api.metric("fetchline_jobs_paused");
        String running = runningJob(runningPath(), "");

        assertThat(api.post("/api/v1/jobs/" + running + "/pause").status()).isEqualTo(202);
        awaitGauge(before + 1);
        String bornPaused = api.submitJson("{\"paused\": true, \"urls\": [\"" + origin.url(runningPath()) + "\"]}");
        cancelAfterwards(bornPaused);
        awaitGauge(before + 2);

        assertThat(api.post("/api/v1/jobs/" + running + "/resume").status()).isEqualTo(202);
        awaitGauge(before + 1);
        assertThat(api.delete("/api/v1/jobs/" + bornPaused).status()).isEqualTo(202);
        awaitGauge(before);
    }

    // ---- PATCH ------------------------------------------------------------------------------------------------

    @Test
    void patchChangesLabelPriorityAndBandwidthAndLeavesOtherFieldsAlone() {
        String id = runningJob(runningPath(), "\"label\": \"before\", ");
        assertControls(api.job(id), "before", 0, null);

        Response all = api.patch("/api/v1/jobs/" + id, "application/json",
                "{\"label\": \"after\", \"priority\": 7, \"maxBytesPerSecond\": 65536}");

        assertThat(all.status()).as(all.body()).isEqualTo(200);
        assertControls(all.json(), "after", 7, 65536L);
        assertControls(api.job(id), "after", 7, 65536L);
        assertThat(api.job(id).get("state").asString()).isEqualTo("RUNNING");

        Response one = api.patch("/api/v1/jobs/" + id, "application/merge-patch+json", "{\"priority\": -3}");

        assertThat(one.status()).as(one.body()).isEqualTo(200);
        assertControls(api.job(id), "after", -3, 65536L);

        Response removals = api.patch("/api/v1/jobs/" + id, "application/merge-patch+json",
                "{\"label\": null, \"maxBytesPerSecond\": null}");

        assertThat(removals.status()).as(removals.body()).isEqualTo(200);
        assertControls(removals.json(), null, -3, null);
        assertControls(api.job(id), null, -3, null);

        assertThat(api.patch("/api/v1/jobs/" + id, "application/json",
                "{\"priority\": 100, \"maxBytesPerSecond\": 1024}").status()).isEqualTo(200);
        assertControls(api.job(id), null, 100, 1024L);
        assertThat(api.patch("/api/v1/jobs/" + id, "application/json", "{\"priority\": -100}").status())
                .isEqualTo(200);
        assertControls(api.job(id), null, -100, 1024L);
    }

    static Stream<Arguments> badPatches() {
        return Stream.of(
                Arguments.of("{\"priority\": 101}", "priority"),
                Arguments.of("{\"priority\": -101}", "priority"),
                Arguments.of("{\"priority\": \"high\"}", "priority"),
                Arguments.of("{\"priority\": 1.5}", "priority"),
                Arguments.of("{\"maxBytesPerSecond\": 10}", "maxBytesPerSecond"),
                Arguments.of("{\"maxBytesPerSecond\": 1023}", "maxBytesPerSecond"),
                Arguments.of("{\"maxBytesPerSecond\": -2048}", "maxBytesPerSecond"),
                Arguments.of("{\"maxBytesPerSecond\": \"fast\"}", "maxBytesPerSecond"),
                Arguments.of("{\"label\": 42}", "label"),
                Arguments.of("{\"color\": \"red\"}", "color"),
                Arguments.of("{\"state\": \"CANCELLED\"}", "state"),
                // One bad field refuses the whole PATCH: the good label is not applied either.
                Arguments.of("{\"label\": \"renamed\", \"priority\": 101}", "priority"),
                Arguments.of("{\"label\": \"renamed\", \"maxBytesPerSecond\": 10}", "maxBytesPerSecond"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badPatches")
    void patchRefusesBadValuesAndChangesNothing(String body, String field) {
        String id = runningJob(runningPath(),
                "\"label\": \"steady\", \"priority\": 3, \"maxBytesPerSecond\": 8388608, ");

        Response patch = api.patch("/api/v1/jobs/" + id, "application/json", body);

        assertFieldError(patch, field);
        JsonNode job = api.job(id);
        assertControls(job, "steady", 3, 8388608L);
        assertThat(job.get("state").asString()).isEqualTo("RUNNING");
    }

    @Test
    void patchRefusesWhatIsNotAJsonObject() {
        String id = runningJob(runningPath(), "\"label\": \"steady\", ");

        assertProblem(api.patch("/api/v1/jobs/" + id, "application/json", "{\"label\": "), 400);
        assertProblem(api.patch("/api/v1/jobs/" + id, "application/json", "[{\"label\": \"x\"}]"), 400);

        assertControls(api.job(id), "steady", 0, null);
    }

    // ---- submit fields ----------------------------------------------------------------------------------------

    @Test
    void submitTakesPriorityAndBandwidthAndDefaultsThem() {
        byte[] content = origin.file("/controls/tiny.bin", 100, 41);

        Response withControls = api.post("/api/v1/jobs", "application/json",
                "{\"priority\": -5, \"maxBytesPerSecond\": 2048, \"paused\": false, \"urls\": [\""
                        + origin.url("/controls/tiny.bin") + "\"]}", Map.of());
        String plain = api.submit(List.of(origin.url("/controls/tiny.bin")));

        assertThat(withControls.status()).as(withControls.body()).isEqualTo(202);
        assertControls(withControls.json(), null, -5, 2048L);
        String id = withControls.json().get("id").asString();
        assertControls(api.job(id), null, -5, 2048L);
        assertControls(api.job(plain), null, 0, null);
        api.awaitState(id, "SUCCEEDED", FINISHES);
        api.awaitState(plain, "SUCCEEDED", FINISHES);
        assertStoredIntact(id, api.item(id, 0), content);
    }

    static Stream<Arguments> badSubmissions() {
        return Stream.of(
                Arguments.of("\"priority\": 101", "priority"),
                Arguments.of("\"priority\": -101", "priority"),
                Arguments.of("\"priority\": \"urgent\"", "priority"),
                Arguments.of("\"maxBytesPerSecond\": 1000", "maxBytesPerSecond"),
                Arguments.of("\"maxBytesPerSecond\": \"1MB\"", "maxBytesPerSecond"),
                Arguments.of("\"paused\": \"yes\"", "paused"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badSubmissions")
    void submitRefusesBadControlValuesAndStoresNothing(String field, String name) {
        int before = api.get("/api/v1/jobs?limit=1").json().get("total").asInt();

        Response response = api.post("/api/v1/jobs", "application/json",
                "{" + field + ", \"urls\": [\"" + origin.url("/controls/never.bin") + "\"]}", Map.of());

        assertFieldError(response, name);
        assertThat(api.get("/api/v1/jobs?limit=1").json().get("total").asInt()).isEqualTo(before);
        assertThat(origin.requestCount("/controls/never.bin")).isZero();
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    /** {@code count} files of 2 MB under {@code dir}, paced at 200 kB/s: each takes ten seconds unless sped up. */
    private List<String> slowFiles(String dir, int count) {
        List<String> paths = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String path = dir + "/" + i + ".bin";
            origin.file(path, 2_000_000, 1000L * dir.hashCode() + i);
            origin.route(path).bytesPerSecond(200_000);
            paths.add(path);
        }
        return paths;
    }

    /**
     * Submits the paths and waits until every item has stored some of its bytes (the service stores and counts
     * them a chunk at a time, so this is a chunk's worth).
     */
    private String submitAndAwaitBytes(List<String> paths) {
        String id = api.submit(paths.stream().map(origin::url).toList());
        cancelAfterwards(id);
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() ->
                api.allItems(id, 100).stream().allMatch(item -> item.get("state").asString().equals("ACTIVE")
                        && item.get("bytes").asLong() > 0));
        return id;
    }

    /** Waits {@link #QUIET} long, failing as soon as the condition is false once. */
    private static ConditionFactory throughout(String what) {
        return await(what).during(QUIET).atMost(QUIET.plusSeconds(2)).pollInterval(Duration.ofMillis(100));
    }

    /** Runs another job to its end: the service looks for work to start meanwhile, and must pass paused jobs over. */
    private void finishAnotherJob(String path) {
        origin.file(path, 1_000, path.hashCode());
        api.awaitState(api.submit(List.of(origin.url(path))), "SUCCEEDED", FINISHES);
    }

    /** Active items of the paused job go back to QUEUED within the contract's two seconds. */
    private void awaitItemsStopped(String id) {
        await().atMost(STOPS_WITHIN).pollInterval(Duration.ofMillis(50)).untilAsserted(() ->
                assertThat(api.allItems(id, 100)).allSatisfy(item ->
                        assertThat(item.get("state").asString()).as(item.toString()).isEqualTo("QUEUED")));
    }

    private static String runningPath() {
        return "/running/" + UNIQUE.incrementAndGet() + ".bin";
    }

    /**
     * A job of one 2 MB item the origin sends at 50 kB/s, so that it stays RUNNING with its item ACTIVE for the
     * whole test; {@code fields} are more JSON members for the submission, each followed by a comma.
     */
    private String runningJob(String path, String fields) {
        origin.file(path, 2_000_000, path.hashCode());
        origin.route(path).bytesPerSecond(50_000);
        String id = api.submitJson("{" + fields + "\"urls\": [\"" + origin.url(path) + "\"]}");
        cancelAfterwards(id);
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() ->
                origin.inFlight(path) == 1 && api.item(id, 0).get("state").asString().equals("ACTIVE")
                        && api.job(id).get("state").asString().equals("RUNNING"));
        return id;
    }

    private void awaitGauge(double value) {
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                assertThat(api.metric("fetchline_jobs_paused")).isEqualTo(value));
    }

    private int requestCount(String prefix) {
        return (int) origin.requests().stream().filter(r -> r.path().startsWith(prefix)).count();
    }

    private void assertStoredIntact(String id, JsonNode item, byte[] content) {
        String sha256 = TestOrigin.sha256(content);
        assertThat(item.get("state").asString()).as(item.toString()).isEqualTo("SUCCEEDED");
        assertThat(item.get("bytes").asLong()).as(item.toString()).isEqualTo(content.length);
        assertThat(text(item, "sha256")).as(item.toString()).isEqualTo(sha256);
        Path file = jobFolder(id).resolve(item.get("file").asString());
        assertThat(TestOrigin.sha256(read(file))).as("SHA-256 of %s on disk", file).isEqualTo(sha256);
    }

    private static void assertControls(JsonNode job, String label, int priority, Long maxBytesPerSecond) {
        assertThat(job.has("priority")).as(job.toString()).isTrue();
        assertThat(job.has("maxBytesPerSecond")).as(job.toString()).isTrue();
        assertThat(text(job, "label")).as(job.toString()).isEqualTo(label);
        assertThat(job.get("priority").isIntegralNumber()).as(job.toString()).isTrue();
        assertThat(job.get("priority").asInt()).as(job.toString()).isEqualTo(priority);
        if (maxBytesPerSecond == null) {
            assertThat(job.get("maxBytesPerSecond").isNull()).as(job.toString()).isTrue();
        } else {
            assertThat(job.get("maxBytesPerSecond").asLong()).as(job.toString()).isEqualTo(maxBytesPerSecond);
        }
    }

    private static void assertProblem(Response response, int status) {
        assertThat(response.status()).as(response.body()).isEqualTo(status);
        assertThat(response.header("Content-Type")).as(response.body()).startsWith("application/problem+json");
        assertThat(response.json().get("status").asInt()).isEqualTo(status);
    }

    /** A 400 problem whose {@code errors} has an entry for {@code field}. */
    private static void assertFieldError(Response response, String field) {
        assertProblem(response, 400);
        JsonNode errors = response.json().get("errors");
        assertThat(errors).as(response.body()).isNotNull();
        assertThat(errors.isArray()).as(response.body()).isTrue();
        assertThat(errors.findValuesAsString("field")).as(response.body()).contains(field);
    }

    private static String jsonUrls(List<String> paths) {
        return paths.stream().map(path -> "\"" + origin.url(path) + "\"").toList().toString();
    }

    private List<String> files(String id) {
        try (Stream<Path> entries = Files.list(jobFolder(id))) {
            return entries.map(path -> path.getFileName().toString()).sorted().toList();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asString();
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }
}
