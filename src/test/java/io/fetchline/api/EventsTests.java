package io.fetchline.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

import io.fetchline.FetchlineTest;
import io.fetchline.ServerSentEvents;
import io.fetchline.ServerSentEvents.Event;
import tools.jackson.databind.JsonNode;

/**
 * Event streams (API.md, Events) read over real HTTP as a client reads them: the snapshot first, item events for
 * each item's changes of state, job events coalesced to at most 4 a second, the terminal event last, ids on every
 * event, keep-alive comments, and the gauge of open streams. The keep-alive is 1 s here instead of 15 s.
 */
@TestPropertySource(properties = "fetchline.events.keep-alive=1s")
class EventsTests extends FetchlineTest {

    private static final Duration FINISHES = Duration.ofSeconds(60);
    private static final Duration SOON = Duration.ofSeconds(10);

    private final List<ServerSentEvents> streams = new ArrayList<>();
    /** Closed before the jobs left running are cancelled (FetchlineTest's clean-up runs after this one). */
    @AfterEach
    void closeStreams() {
        streams.forEach(ServerSentEvents::close);
    }

    @Test
    void aStreamStartsWithTheJobAndEndsAfterItsTerminalEvent() {
        origin.file("/events/basic/a.bin", 100_000, 1);
        origin.route("/events/basic/a.bin").hold();
        String id = api.submit(List.of(origin.url("/events/basic/a.bin")));

        ServerSentEvents stream = open(jobEvents(id));

        assertThat(stream.status()).isEqualTo(200);
        assertThat(stream.header("Content-Type")).startsWith("text/event-stream");
        Event first = stream.await(SOON, event -> true);
        assertThat(first.name()).isEqualTo("job");
        assertThat(first.json().get("id").asString()).isEqualTo(id);
        assertThat(first.json().get("state").asString()).isIn("QUEUED", "RUNNING");
        origin.route("/events/basic/a.bin").release();
        stream.awaitEnd(FINISHES);
        List<Event> events = stream.events();
        Event last = events.get(events.size() - 1);
        assertThat(last.name()).isEqualTo("job");
        assertThat(last.json().get("state").asString()).isEqualTo("SUCCEEDED");
        // The same resource as a status read shows.
        assertThat(last.json()).isEqualTo(api.job(id));
        assertThat(stream.events("job")).filteredOn(event -> isTerminal(event.json())).hasSize(1);
        assertIdsIncrease(events);
    }

    @Test
    void itemEventsFollowEachItemThroughItsChangesOfState() {
        origin.file("/events/items/slow.bin", 300_000, 2);
        origin.route("/events/items/slow.bin").bytesPerSecond(150_000);
        origin.file("/events/items/quick.bin", 1000, 3);
        String id = submitPaused(List.of(origin.url("/events/items/slow.bin"), origin.url("/events/items/missing"),
                origin.url("/events/items/quick.bin")));
        ServerSentEvents stream = open(jobEvents(id));
        stream.await(SOON, event -> true);

        assertThat(api.post("/api/v1/jobs/" + id + "/resume").status()).isEqualTo(202);

        stream.awaitEnd(FINISHES);
        Map<Integer, List<String>> states = new HashMap<>();
        for (Event event : stream.events("item")) {
            JsonNode item = event.json();
            states.computeIfAbsent(item.get("index").asInt(), index -> new ArrayList<>())
                    .add(item.get("state").asString());
            assertThat(item.has("url") && item.has("bytes") && item.has("error")).as(event.data()).isTrue();
        }
        // Only changes of state are item events; a slow item is seen running, then done.
        assertThat(states.get(0)).containsExactly("ACTIVE", "SUCCEEDED");
        assertThat(states.get(1)).last().isEqualTo("FAILED");
        assertThat(states.get(2)).last().isEqualTo("SUCCEEDED");
        states.values().forEach(list -> assertThat(list).doesNotHaveDuplicates());
        Event failed = stream.events("item").stream().filter(event -> event.json().get("index").asInt() == 1)
                .reduce((a, b) -> b).orElseThrow();
        assertThat(failed.json().get("error").get("code").asString()).isEqualTo("HTTP_STATUS");
        assertThat(failed.json()).isEqualTo(api.item(id, 1));
        // Every item event comes before the terminal job event, which is the last.
        List<Event> events = stream.events();
        assertThat(events.get(events.size() - 1).json().get("state").asString()).isEqualTo("FAILED");
        assertIdsIncrease(events);
    }

    @Test
    void jobEventsComeAtMostFourTimesASecondAndTheLatestStateArrives() {
        int count = 48;
        List<String> urls = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String path = "/events/many/" + i + ".bin";
            origin.file(path, 8_000, 100 + i);
            // Half a second each, eight at a time: items end all the time, and bytes move in between.
            origin.route(path).bytesPerSecond(16_000);
            urls.add(origin.url(path));
        }
        String id = submitPaused(urls);
        ServerSentEvents stream = open(jobEvents(id));
        stream.await(SOON, event -> true);

        api.post("/api/v1/jobs/" + id + "/resume");

        stream.awaitEnd(FINISHES);
        List<Event> jobEvents = stream.events("job");
        Event terminal = jobEvents.get(jobEvents.size() - 1);
        assertThat(terminal.json().get("state").asString()).isEqualTo("SUCCEEDED");
        assertThat(terminal.json().get("items").get("succeeded").asInt()).isEqualTo(count);
        assertThat(terminal.json().get("bytes").get("downloaded").asLong()).isEqualTo(count * 8_000L);
        List<Event> coalesced = jobEvents.subList(1, jobEvents.size() - 1);
        double seconds = (terminal.at() - jobEvents.get(0).at()) / 1e9;
        assertThat(seconds).as("the job ran long enough to measure").isGreaterThan(2);
        // Progress did flow while the job ran, at about the most the contract allows.
        assertThat(coalesced.size()).as("job events over %.1f s", seconds).isGreaterThanOrEqualTo((int) seconds * 2);
        // Any five in a row span a second: four gaps of at least 250 ms, less 100 ms for arrival jitter.
        for (int i = 0; i + 4 < coalesced.size(); i++) {
            assertThat(Duration.ofNanos(coalesced.get(i + 4).at() - coalesced.get(i).at()))
                    .as("job events %d to %d", i + 1, i + 5).isGreaterThanOrEqualTo(Duration.ofMillis(900));
        }
        // Item events are never coalesced.
        assertThat(stream.events("item")).filteredOn(event -> event.json().get("state").asString()
                .equals("SUCCEEDED")).hasSize(count);
    }

    @Test
    void pauseAndResumeShowInTheEvents() {
        List<String> urls = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            String path = "/events/pause/" + i + ".bin";
            origin.file(path, 2_000_000, 200 + i);
            origin.route(path).bytesPerSecond(200_000);
            urls.add(origin.url(path));
        }
        String id = api.submit(urls);
        cancelAfterwards(id);
        ServerSentEvents stream = open(jobEvents(id));
        stream.await(SOON, event -> event.name().equals("job") && event.json().get("bytes").get("downloaded")
                .asLong() > 0);

        assertThat(api.post("/api/v1/jobs/" + id + "/pause").status()).isEqualTo(202);

        Event paused = stream.await(SOON, event -> event.name().equals("job")
                && event.json().get("state").asString().equals("PAUSED"));
        // Their transfers stop and the items go back to the queue, keeping their bytes.
        await().atMost(SOON).untilAsserted(() -> assertThat(stream.events("item"))
                .filteredOn(event -> event.json().get("state").asString().equals("QUEUED"))
                .extracting(event -> event.json().get("index").asInt()).contains(0, 1));
        // Still a second or so to go after the resume, so that the job shows running before it ends.
        urls.forEach(url -> origin.route(url.substring(url.indexOf("/events"))).bytesPerSecond(1_500_000));

        assertThat(api.post("/api/v1/jobs/" + id + "/resume").status()).isEqualTo(202);

        stream.awaitEnd(FINISHES);
        List<String> jobStates = stream.events("job").stream()
                .filter(event -> event.at() > paused.at())
                .map(event -> event.json().get("state").asString()).toList();
        assertThat(jobStates).last().isEqualTo("SUCCEEDED");
        assertThat(jobStates.subList(0, jobStates.size() - 1)).isNotEmpty().allMatch(state -> state.equals("PAUSED")
                || state.equals("QUEUED") || state.equals("RUNNING")).containsAnyOf("QUEUED", "RUNNING");
    }

    @Test
    void aPatchShowsInTheEvents() {
        origin.file("/events/patch.bin", 1000, 9);
        String id = submitPaused(List.of(origin.url("/events/patch.bin")));
        ServerSentEvents stream = open(jobEvents(id));
        stream.await(SOON, event -> true);

        assertThat(api.patch("/api/v1/jobs/" + id, "application/json", "{\"label\": \"renamed\", \"priority\": 9}")
                .status()).isEqualTo(200);

        Event patched = stream.await(SOON, event -> event.name().equals("job")
                && "renamed".equals(event.json().get("label").asString()));
        assertThat(patched.json().get("priority").asInt()).isEqualTo(9);
        assertThat(patched.json().get("state").asString()).isEqualTo("PAUSED");
    }

    @Test
    void aCancelSendsAnItemEventForEachCancelledItemThenTheTerminalEvent() {
        List<String> urls = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String path = "/events/cancel/" + i + ".bin";
            origin.file(path, 2_000_000, 300 + i);
            origin.route(path).bytesPerSecond(100_000);
            urls.add(origin.url(path));
        }
        String id = api.submit(urls);
        ServerSentEvents stream = open(jobEvents(id));
        stream.await(SOON, event -> event.name().equals("item")
                && event.json().get("state").asString().equals("ACTIVE"));

        assertThat(api.delete("/api/v1/jobs/" + id).status()).isEqualTo(202);

        stream.awaitEnd(SOON);
        List<Event> events = stream.events();
        assertThat(events.get(events.size() - 1).json().get("state").asString()).isEqualTo("CANCELLED");
        assertThat(stream.events("item")).filteredOn(event -> event.json().get("state").asString()
                .equals("CANCELLED")).extracting(event -> event.json().get("index").asInt())
                .containsExactlyInAnyOrder(0, 1, 2);
        assertIdsIncrease(events);
    }

    @Test
    void aFinishedJobGetsItsSnapshotAndTheStreamEnds() {
        origin.file("/events/done.bin", 1000, 4);
        String id = api.submit(List.of(origin.url("/events/done.bin")));
        api.awaitState(id, "SUCCEEDED", FINISHES);

        ServerSentEvents stream = open(jobEvents(id));

        stream.awaitEnd(SOON);
        assertThat(stream.events()).hasSize(1);
        assertThat(stream.events().get(0).name()).isEqualTo("job");
        assertThat(stream.events().get(0).json()).isEqualTo(api.job(id));
        assertThat(stream.events().get(0).id()).isNotBlank();
    }

    @Test
    void anUnknownJobIsNotFound() {
        for (String id : List.of(UUID.randomUUID().toString(), "not-a-job")) {
            ServerSentEvents stream = open(jobEvents(id));

            assertThat(stream.status()).isEqualTo(404);
            assertThat(stream.header("Content-Type")).startsWith("application/problem+json");
            assertThat(stream.body()).contains("\"status\":404");
        }
    }

    @Test
    void aSilentStreamGetsAKeepAliveCommentAfterTheConfiguredSilence() {
        origin.file("/events/silent.bin", 1000, 5);
        String id = submitPaused(List.of(origin.url("/events/silent.bin")));
        ServerSentEvents stream = open(jobEvents(id));
        Event snapshot = stream.await(SOON, event -> true);

        await().atMost(SOON).until(() -> stream.keepAlives().size() >= 2);

        List<Long> comments = stream.keepAlives();
        assertThat(Duration.ofNanos(comments.get(0) - snapshot.at())).isBetween(Duration.ofMillis(900),
                Duration.ofSeconds(5));
        assertThat(Duration.ofNanos(comments.get(1) - comments.get(0))).isGreaterThanOrEqualTo(Duration.ofMillis(900));
        assertThat(stream.events()).hasSize(1);
        assertThat(stream.ended()).isFalse();
    }

    @Test
    void theSubscribersGaugeCountsOpenStreams() {
        origin.file("/events/gauge.bin", 1000, 6);
        String id = submitPaused(List.of(origin.url("/events/gauge.bin")));
        // Streams of earlier tests are gone once the service has noticed their clients left.
        await().atMost(SOON).until(() -> api.metric("fetchline_events_subscribers") == 0);

        ServerSentEvents one = open(jobEvents(id));
        ServerSentEvents all = open("/api/v1/events");

        await().atMost(SOON).until(() -> api.metric("fetchline_events_subscribers") == 2);
        one.close();
        all.close();
        await().atMost(SOON).until(() -> api.metric("fetchline_events_subscribers") == 0);
    }

    @Test
    void theStreamOfAllJobsCarriesJobEventsOfEveryJobAndNeverEnds() {
        ServerSentEvents stream = open("/api/v1/events");
        assertThat(stream.status()).isEqualTo(200);
        origin.file("/events/all/a.bin", 1000, 7);

        String first = api.submit(List.of(origin.url("/events/all/a.bin")));
        String second = api.submit(List.of(origin.url("/events/all/a.bin"), origin.url("/events/all/missing")));

        stream.await(FINISHES, event -> isJob(event, first, "SUCCEEDED"));
        stream.await(FINISHES, event -> isJob(event, second, "FAILED"));
        int comments = stream.keepAlives().size();
        await().atMost(SOON).until(() -> stream.keepAlives().size() > comments);
        assertThat(stream.ended()).isFalse();
        assertThat(stream.events()).allMatch(event -> event.name().equals("job"));
        assertThat(stream.events()).anyMatch(event -> isJob(event, first, "QUEUED"));
        assertIdsIncrease(stream.events());
    }

    /**
     * A client that stops reading lets its own stream fall behind, and nothing else: the job runs at its pace, and
     * another client sees every event in time. The slow client's share is several megabytes, more than the sockets
     * between the two can hold.
     */
    @Test
    void aClientThatStopsReadingHoldsUpNeitherTheJobNorOtherStreams() throws IOException {
        String padding = "x".repeat(4000);
        List<String> urls = IntStream.range(0, 800).mapToObj(i -> {
            origin.file("/events/flood/" + i + ".bin", 10, i);
            return origin.url("/events/flood/" + i + ".bin?" + padding);
        }).toList();
        String id = submitPaused(urls);
        try (Socket stalled = new Socket()) {
            stalled.setReceiveBufferSize(4096);
            stalled.connect(new InetSocketAddress("127.0.0.1", port));
            OutputStream request = stalled.getOutputStream();
            request.write(("GET " + jobEvents(id) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            request.flush();
            ServerSentEvents reading = open(jobEvents(id));
            reading.await(SOON, event -> true);

            api.post("/api/v1/jobs/" + id + "/resume");

            reading.awaitEnd(FINISHES);
            assertThat(reading.events("item")).filteredOn(event -> event.json().get("state").asString()
                    .equals("SUCCEEDED")).hasSize(urls.size());
            assertThat(api.job(id).get("state").asString()).isEqualTo("SUCCEEDED");
        }
    }

    private ServerSentEvents open(String path) {
        ServerSentEvents stream = ServerSentEvents.open(port, path, null);
        streams.add(stream);
        return stream;
    }

    private static String jobEvents(String id) {
        return "/api/v1/jobs/" + id + "/events";
    }

    private String submitPaused(List<String> urls) {
        StringBuilder body = new StringBuilder("{\"paused\": true, \"urls\": [");
        for (int i = 0; i < urls.size(); i++) {
            body.append(i == 0 ? "" : ",").append('"').append(urls.get(i)).append('"');
        }
        String id = api.submitJson(body.append("]}").toString());
        cancelAfterwards(id);
        return id;
    }

    private static boolean isJob(Event event, String id, String state) {
        return event.name().equals("job") && event.json().get("id").asString().equals(id)
                && event.json().get("state").asString().equals(state);
    }

    private static boolean isTerminal(JsonNode job) {
        return List.of("SUCCEEDED", "FAILED", "CANCELLED").contains(job.get("state").asString());
    }

    private static void assertIdsIncrease(List<Event> events) {
        long last = Long.MIN_VALUE;
        for (Event event : events) {
            assertThat(event.id()).as("id of %s", event).isNotBlank();
            long id = Long.parseLong(event.id());
            assertThat(id).as("id of %s", event).isGreaterThan(last);
            last = id;
        }
    }
}
