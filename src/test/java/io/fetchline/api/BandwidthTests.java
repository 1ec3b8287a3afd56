package io.fetchline.api;

import static io.fetchline.api.Throughput.after;
import static io.fetchline.api.Throughput.reached;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

import io.fetchline.FetchlineClient.Response;
import io.fetchline.FetchlineTest;
import io.fetchline.origin.TestOrigin;
import tools.jackson.databind.JsonNode;

/**
 * A job's {@code maxBytesPerSecond} (API.md, Bandwidth): it holds over every two-second window within 10 % for all
 * the job's transfers together, a PATCH changes it for running transfers within a second, and it slows no other
 * job. Rates are what a user sees: the job's bytes read through the API every 250 ms. Small chunks and a short
 * progress interval make those bytes follow the transfer closely; the limits do not depend on them.
 */
@TestPropertySource(properties = {
        "fetchline.pipeline.chunk-size=16KB",
        "fetchline.pipeline.progress-interval=50ms"})
class BandwidthTests extends FetchlineTest {

    private static final int KiB = 1024;
    private static final int MiB = 1024 * KiB;
    private static final double TOLERANCE = 0.10;
    private static final Duration SAMPLING = Duration.ofSeconds(30);
    /** The contract's "within 1 second" for a new limit; windows are checked from then on. */
    private static final Duration SETTLES = Duration.ofSeconds(1);
    private static final AtomicInteger UNIQUE = new AtomicInteger();


    @Test
    void theJobsLimitHoldsForAllItsTransfersTogetherOverEveryTwoSeconds() {
        long limit = MiB;
        List<String> urls = files(3, 2 * MiB);

        String id = submit(urls, limit);
        AtomicInteger mostActive = new AtomicInteger();
        Throughput rates = new Throughput().sampleUntil(() -> {
            long sum = 0;
            int active = 0;
            for (JsonNode item : api.items(id, "").get("items")) {
                sum += item.get("bytes").asLong();
                active += item.get("state").asString().equals("ACTIVE") ? 1 : 0;
            }
            mostActive.accumulateAndGet(active, Math::max);
            return sum;
        }, reached(6 * MiB), SAMPLING);

        rates.assertWindows(rates.started() + SETTLES.toNanos(), rates.reachedAt(6 * MiB), limit, TOLERANCE, 8);
        assertThat(mostActive).as("items of the job downloading at once").hasValue(3);
        api.awaitState(id, "SUCCEEDED", SAMPLING);
    }

    @Test
    void aPatchSetsLowersAndLiftsTheLimitOfRunningTransfersWithinASecond() {
        List<String> urls = files(1, 12 * MiB);
        // Paced by the origin, so that the transfer still runs when its first limit arrives.
        origin.route(pathOf(urls.get(0))).bytesPerSecond(3 * MiB);
        String id = submit(urls, null);
        Throughput rates = new Throughput();
        rates.sampleUntil(Throughput.bytesOf(api, id), reached(MiB), SAMPLING);

        long firstLimit = MiB;
        long setAt = patch(id, Long.toString(firstLimit));
        rates.sampleUntil(Throughput.bytesOf(api, id), after(setAt, Duration.ofSeconds(4)), SAMPLING);
        long secondLimit = 384 * KiB;
        long loweredAt = patch(id, Long.toString(secondLimit));
        rates.sampleUntil(Throughput.bytesOf(api, id), after(loweredAt, Duration.ofSeconds(4)), SAMPLING);
        long liftedAt = patch(id, "null");
        long left = 12 * MiB - rates.lastBytes();
        api.awaitState(id, "SUCCEEDED", SAMPLING);
        long lifted = System.nanoTime() - liftedAt;

        rates.assertWindows(setAt + SETTLES.toNanos(), loweredAt, firstLimit, TOLERANCE, 3);
        rates.assertWindows(loweredAt + SETTLES.toNanos(), liftedAt, secondLimit, TOLERANCE, 3);
        // At the lowered limit the rest would take this long; lifted, the origin's own pace decides.
        Duration atLoweredLimit = Duration.ofSeconds(left / secondLimit);
        assertThat(Duration.ofNanos(lifted)).as("the last %d bytes after the limit was lifted; %s", left, rates)
                .isLessThan(atLoweredLimit.dividedBy(3));
    }

    @Test
    void aThrottledJobDoesNotSlowAnUnthrottledOne() {
        long limit = 256 * KiB;
        String throttled = submit(files(1, 4 * MiB), limit);
        new Throughput().sampleUntil(Throughput.bytesOf(api, throttled), reached(1), SAMPLING);
        List<String> urls = files(3, 4 * MiB);

        long start = System.nanoTime();
        String free = submit(urls, null);
        api.awaitState(free, "SUCCEEDED", SAMPLING);
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        // At the throttled job's pace the free one would take 48 seconds.
        assertThat(took).as("12 MiB of the unthrottled job").isLessThan(Duration.ofSeconds(8));
        assertThat(api.job(throttled).get("state").asString()).isEqualTo("RUNNING");
        for (int index = 0; index < urls.size(); index++) {
            assertThat(api.item(free, index).get("sha256").asString())
                    .isEqualTo(TestOrigin.sha256(origin.route(pathOf(urls.get(index))).content()));
        }
    }

    /** PATCHes the job's limit and returns when (nanoTime) the answer came. */
    private long patch(String id, String limit) {
        Response response = api.patch("/api/v1/jobs/" + id, "application/json",
                "{\"maxBytesPerSecond\": " + limit + "}");
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return System.nanoTime();
    }

    private String submit(List<String> urls, Long limit) {
        String id = api.submitJson("{\"maxBytesPerSecond\": " + limit + ", \"urls\": [\"" + String.join("\", \"", urls)
                + "\"]}");
        cancelAfterwards(id);
        return id;
    }

    private List<String> files(int count, int size) {
        String dir = "/bandwidth/" + UNIQUE.incrementAndGet();
        List<String> urls = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            origin.file(dir + "/" + i + ".bin", size, 31L * UNIQUE.get() + i);
            urls.add(origin.url(dir + "/" + i + ".bin"));
        }
        return urls;
    }

    private static String pathOf(String url) {
        return url.substring(url.indexOf('/', "http://".length()));
    }

}
