package io.fetchline.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.fetchline.origin.RecordedRequest;
import io.fetchline.origin.TestOrigin;

/**
 * Two connections per host and three fetchers: a slow host never gets more than its two, and the third fetcher
 * serves the other host meanwhile. A second origin on another port is another host, as the limit counts host and
 * port.
 */
class PerHostLimitTests extends FaultyOriginTest {

    private static TestOrigin other;

    @BeforeAll
    static void startOtherHost() {
        other = TestOrigin.start();
    }

    @AfterAll
    static void stopOtherHost() {
        other.close();
    }

    @Test
    void slowHostGetsTwoConnectionsWhileAnotherHostProceeds() {
        List<String> urls = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            origin.file("/slow/" + i + ".bin", 30_000, i);
            origin.route("/slow/" + i + ".bin").bytesPerSecond(100_000);
            urls.add(origin.url("/slow/" + i + ".bin"));
        }
        for (int i = 0; i < 5; i++) {
            other.file("/fast/" + i + ".bin", 10_000, 100 + i);
            urls.add(other.url("/fast/" + i + ".bin"));
        }

        String job = api.submit(urls);

        api.awaitState(job, "SUCCEEDED", FINISHES);

        assertThat(api.items(job, "?limit=100").get("items")).allSatisfy(item ->
                assertThat(item.get("attempts").asInt()).as(item.toString()).isEqualTo(1));
        assertThat(origin.requests()).filteredOn(r -> r.path().startsWith("/slow/")).hasSize(20);
        assertThat(origin.maxConcurrent("/slow/")).isEqualTo(2);
        assertThat(other.maxConcurrent("/fast/")).isLessThanOrEqualTo(2);
        // The other host's items come last in the job, yet none of them waited for the slow host to drain.
        Instant lastFast = IntStream.range(0, 5)
                .mapToObj(i -> other.requests("/fast/" + i + ".bin").get(0).arrivedAt())
                .max(Instant::compareTo).orElseThrow();
        assertThat(origin.requests()).filteredOn(r -> r.path().startsWith("/slow/"))
                .filteredOn(r -> r.arrivedAt().isBefore(lastFast))
                .as("slow requests begun before the last fast one").hasSizeLessThan(10);
    }

    @Test
    void hostWithMoreItemsThanCanWaitDoesNotHoldBackTheHostsAfterIt() {
        List<String> urls = new ArrayList<>();
        // More than the 64 items the dispatcher keeps waiting per host.
        for (int i = 0; i < 90; i++) {
            origin.file("/many/" + i + ".bin", 100, 300 + i);
            origin.route("/many/" + i + ".bin").delayBeforeHeaders(Duration.ofMillis(30));
            urls.add(origin.url("/many/" + i + ".bin"));
        }
        for (int i = 0; i < 3; i++) {
            other.file("/after-many/" + i + ".bin", 100, 400 + i);
            urls.add(other.url("/after-many/" + i + ".bin"));
        }

        String job = api.submit(urls);
        api.awaitState(job, "SUCCEEDED", FINISHES);

        List<RecordedRequest> many = origin.requests().stream().filter(r -> r.path().startsWith("/many/")).toList();
        assertThat(many).hasSize(90);
        assertThat(origin.maxConcurrent("/many/")).isEqualTo(2);
        for (int i = 0; i < 3; i++) {
            assertThat(other.requests("/after-many/" + i + ".bin").get(0).arrivedAt())
                    .as("item %d of the other host", i).isBefore(many.get(10).arrivedAt());
        }
        assertThat(files(job)).hasSize(93);
    }

    @Test
    void itemsWaitingForTheirHostAreNotClaimedAgainWhenAnotherJobArrives() {
        List<String> urls = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            origin.file("/parked/" + i + ".bin", 20_000, 200 + i);
            origin.route("/parked/" + i + ".bin").bytesPerSecond(100_000);
            urls.add(origin.url("/parked/" + i + ".bin"));
        }
        String first = api.submit(urls);
        await().atMost(FINISHES).until(() -> !origin.requests("/parked/0.bin").isEmpty());

        String second = api.submit(List.of(other.url("/unrelated.bin")));

        api.awaitFinished(second, FINISHES);
        api.awaitState(first, "SUCCEEDED", FINISHES);
        for (int i = 0; i < 10; i++) {
            assertThat(origin.requestCount("/parked/" + i + ".bin")).as("requests for item " + i).isEqualTo(1);
        }
        assertThat(files(first)).hasSize(10);
    }

    @Test
    void retriesWaitingOnRetryAfterHoldNeitherFetchersNorHostSlots() {
        // An HTTP date two minutes ahead, which the two-second cap cuts short.
        String inTwoMinutes = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US)
                .withZone(ZoneOffset.UTC).format(Instant.now().plusSeconds(120));
        List<String> urls = new ArrayList<>();
        for (TestOrigin host : List.of(origin, origin, other)) {
            String path = "/wait/" + urls.size() + ".bin";
            host.file(path, 1_000, urls.size());
            host.route(path).status(503, 503, 503).retryAfter(inTwoMinutes);
            urls.add(host.url(path));
        }
        byte[] data = origin.file("/wait/ok.bin", 1_000, 3);
        urls.add(origin.url("/wait/ok.bin"));

        String job = api.submit(urls);
        api.awaitFinished(job, FINISHES);

        // Were waiting to hold them, the three waiting items would fill all three fetchers and both slots of
        // this host, and the fourth could start only after one of them had retried.
        assertStored(item(job, 3), data, 1);
        Instant okArrived = origin.requests("/wait/ok.bin").get(0).arrivedAt();
        for (int i = 0; i < 3; i++) {
            Outcome waited = item(job, i);
            assertThat(waited.state()).as(waited.toString()).isEqualTo("FAILED");
            assertThat(waited.errorCode()).isEqualTo("HTTP_STATUS");
            assertThat(waited.attempts()).isEqualTo(3);
            assertThat(waited.errorMessage())
                    .matches("503 Service Unavailable after 3 attempts; last Retry-After \\d+s capped to 2s");
            List<RecordedRequest> tries = (i < 2 ? origin : other).requests("/wait/" + i + ".bin");
            assertThat(tries).hasSize(3);
            assertThat(okArrived).isBefore(tries.get(1).arrivedAt());
            for (int n = 1; n < 3; n++) {
                assertThat(Duration.between(tries.get(n - 1).arrivedAt(), tries.get(n).arrivedAt()))
                        .isBetween(Duration.ofMillis(1950), Duration.ofSeconds(10));
            }
        }
    }
}
