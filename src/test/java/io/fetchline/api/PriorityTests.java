package io.fetchline.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.fetchline.FetchlineClient;
import io.fetchline.FetchlineTest;
import io.fetchline.FetchlineClient.Response;
import io.fetchline.origin.RecordedRequest;
import io.fetchline.origin.TestOrigin;

/**
 * Priority with one fetcher and one connection per host, so the order in which the origin sees requests is the
 * order in which the service dispatched items.
 *
 * <p>The service under test has settings of its own, hence a Spring context of its own. It does not extend
 * {@code FetchlineTest}: that class's one H2 file and storage root serve every context of the JVM, and a second
 * pipeline on them would claim the other contexts' items (and they its). Here the database and the downloads are
 * in a folder of this class, and the context is closed after it, so its single fetcher runs no longer than needed.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "fetchline.fetch.allowed-networks=127.0.0.0/8",
        "fetchline.fetch.retry-backoff=20ms",
        "fetchline.fetch.retry-backoff-max=200ms",
        "fetchline.fetch.read-timeout=3s",
        "fetchline.fetch.connect-timeout=2s",
        "fetchline.pipeline.fetchers=1",
        "fetchline.fetch.per-host-connections=1"})
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class PriorityTests {

    private static final Path HOME = FetchlineTest.newHome("fetchline-priority-test-");
    private static final Duration FINISHES = Duration.ofSeconds(30);
    /** Each request waits this long for its headers: the one fetcher goes through some ten items a second. */
    private static final Duration SLOW = Duration.ofMillis(80);
    /**
     * Low-priority requests that may still reach the origin before the last high-priority one. With one connection
     * per host, the item in the fetcher when the change arrives goes on (1), and the dispatcher may have handed the
     * next item over before it learned of the change (2). The third allows for the change landing while the
     * dispatcher is between reading the store and handing an item over. Without priority, the jobs take turns and
     * far more low items (one per high item) come first.
     */
    private static final int OVERTAKING_ALLOWED = 3;

    private static TestOrigin origin;

    @LocalServerPort
    int port;

    FetchlineClient api;

    @DynamicPropertySource
    static void ownStore(DynamicPropertyRegistry registry) {
        FetchlineTest.useHome(registry, HOME);
    }

    @BeforeAll
    static void startOrigin() {
        origin = TestOrigin.start();
    }

    @AfterAll
    static void stopOrigin() {
        origin.close();
    }

    @BeforeEach
    void client() {
        api = new FetchlineClient(port);
    }

    @Test
    void aHigherPriorityJobIsDispatchedBeforeTheRestOfALowerOne() {
        List<String> low = files("/low-a/", 40);
        List<String> high = files("/high-a/", 8);
        String lowJob = api.submit(low.stream().map(origin::url).toList());
        await().atMost(FINISHES).pollInterval(Duration.ofMillis(20)).until(() -> requests("/low-a/").size() >= 3);
        int mark = origin.requests().size();

        Response submitted = api.post("/api/v1/jobs", "application/json",
                "{\"priority\": 10, \"urls\": " + urls(high) + "}", Map.of());

        assertThat(submitted.status()).as(submitted.body()).isEqualTo(202);
        assertThat(submitted.json().has("priority")).as(submitted.body()).isTrue();
        assertThat(submitted.json().get("priority").asInt()).isEqualTo(10);
        String highJob = submitted.json().get("id").asString();
        assertThat(api.job(lowJob).path("priority").asInt(-1)).isZero();
        api.awaitState(highJob, "SUCCEEDED", FINISHES);
        api.awaitState(lowJob, "SUCCEEDED", FINISHES);
        assertOvertakenFrom(mark, "/high-a/", high.size(), "/low-a/");
    }

    @Test
    void raisingAJobsPriorityByPatchSendsItsRemainingItemsFirst() {
        List<String> first = files("/low-b/", 40);
        List<String> second = files("/raised-b/", 10);
        String firstJob = api.submit(first.stream().map(origin::url).toList());
        await().atMost(FINISHES).pollInterval(Duration.ofMillis(20)).until(() -> requests("/low-b/").size() >= 2);
        String secondJob = api.submit(second.stream().map(origin::url).toList());
        // Equal priorities take turns: the second job has begun.
        await().atMost(FINISHES).pollInterval(Duration.ofMillis(20)).until(() -> !requests("/raised-b/").isEmpty());
        int mark = origin.requests().size();

        Response patched = api.patch("/api/v1/jobs/" + secondJob, "application/merge-patch+json",
                "{\"priority\": 50}");

        assertThat(patched.status()).as(patched.body()).isEqualTo(200);
        assertThat(patched.json().get("priority").asInt()).isEqualTo(50);
        api.awaitState(secondJob, "SUCCEEDED", FINISHES);
        api.awaitState(firstJob, "SUCCEEDED", FINISHES);
        long after = origin.requests().subList(mark, origin.requests().size()).stream()
                .filter(r -> r.path().startsWith("/raised-b/")).count();
        assertThat(after).as("items of the raised job still to go when it was raised").isGreaterThanOrEqualTo(5);
        assertOvertakenFrom(mark, "/raised-b/", (int) after, "/low-b/");
    }

    /**
     * From request {@code mark} on, the origin saw all {@code count} requests under {@code favoured}, and at most
     * {@link #OVERTAKING_ALLOWED} under {@code other} came before the last of them; and {@code other} still had
     * requests after it, so it was not simply done.
     */
    private static void assertOvertakenFrom(int mark, String favoured, int count, String other) {
        List<RecordedRequest> since = origin.requests();
        since = since.subList(mark, since.size());
        List<String> order = since.stream().map(RecordedRequest::path).toList();
        int lastFavoured = -1;
        for (int i = 0; i < order.size(); i++) {
            if (order.get(i).startsWith(favoured)) {
                lastFavoured = i;
            }
        }
        assertThat(order).as("requests since the change").filteredOn(path -> path.startsWith(favoured))
                .hasSize(count).doesNotHaveDuplicates();
        List<String> before = order.subList(0, lastFavoured + 1);
        assertThat(before).as("requests up to the last of %s, in arrival order", favoured)
                .filteredOn(path -> path.startsWith(other)).hasSizeLessThanOrEqualTo(OVERTAKING_ALLOWED);
        assertThat(order.subList(lastFavoured + 1, order.size())).as("requests after the last of %s", favoured)
                .filteredOn(path -> path.startsWith(other)).isNotEmpty();
    }

    /** {@code count} small files under {@code dir}, each answered after {@link #SLOW}. */
    private static List<String> files(String dir, int count) {
        List<String> paths = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String path = dir + i + ".bin";
            origin.file(path, 1_000, 31L * dir.hashCode() + i);
            origin.route(path).delayBeforeHeaders(SLOW);
            paths.add(path);
        }
        return paths;
    }

    private static List<RecordedRequest> requests(String prefix) {
        return origin.requests().stream().filter(r -> r.path().startsWith(prefix)).toList();
    }

    private static String urls(List<String> paths) {
        return paths.stream().map(path -> "\"" + origin.url(path) + "\"").toList().toString();
    }
}
