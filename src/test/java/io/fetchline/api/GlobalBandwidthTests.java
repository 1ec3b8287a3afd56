package io.fetchline.api;

import static org.awaitility.Awaitility.await;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

import io.fetchline.FetchlineTest;

/**
 * {@code fetchline.fetch.max-bytes-per-second} (API.md, Bandwidth): all downloads together hold to it over every
 * two-second window within 10 %, and a job with a lower limit of its own keeps to that one while the others share
 * the rest. Rates are the jobs' bytes read through the API every 250 ms, as in {@link BandwidthTests}.
 */
@TestPropertySource(properties = {
        "fetchline.fetch.max-bytes-per-second=1MB",
        "fetchline.pipeline.chunk-size=16KB",
        "fetchline.pipeline.progress-interval=50ms"})
class GlobalBandwidthTests extends FetchlineTest {

    private static final int KiB = 1024;
    private static final int MiB = 1024 * KiB;
    private static final long GLOBAL = MiB;
    private static final double TOLERANCE = 0.10;
    private static final Duration SAMPLING = Duration.ofSeconds(30);


    @Test
    void allDownloadsTogetherHoldToTheGlobalLimitAndAJobsOwnLimitWithinIt() {
        long ownLimit = 256 * KiB;
        // Two unlimited jobs share what the limited one leaves: 768 KiB/s for their 5 MiB, 256 KiB/s for its 2 MiB.
        String limited = submit("{\"maxBytesPerSecond\": " + ownLimit + ", \"urls\": [\"" + file("/global/own.bin",
                2 * MiB) + "\"]}");
        String first = submit("{\"urls\": [\"" + file("/global/a.bin", 5 * MiB / 2) + "\"]}");
        String second = submit("{\"urls\": [\"" + file("/global/b.bin", 5 * MiB / 2) + "\"]}");

        Throughput all = new Throughput();
        Throughput own = new Throughput();
        long[] unlimitedEnd = {Long.MAX_VALUE};
        await().atMost(SAMPLING).pollDelay(Duration.ZERO).pollInterval(Throughput.EVERY).until(() -> {
            long before = System.nanoTime();
            long ownBytes = Throughput.bytesOf(api, limited).call();
            long firstBytes = Throughput.bytesOf(api, first).call();
            long secondBytes = Throughput.bytesOf(api, second).call();
            long at = (before + System.nanoTime()) / 2;
            all.add(at, ownBytes + firstBytes + secondBytes);
            own.add(at, ownBytes);
            if (unlimitedEnd[0] == Long.MAX_VALUE && (firstBytes == 5 * MiB / 2 || secondBytes == 5 * MiB / 2)) {
                unlimitedEnd[0] = at;
            }
            return ownBytes == 2 * MiB;
        });

        // The sum holds while all three run; the limited job's own limit until its end.
        long from = all.started() + Duration.ofSeconds(1).toNanos();
        all.assertWindows(from, unlimitedEnd[0], GLOBAL, TOLERANCE, 4);
        own.assertWindows(from, own.reachedAt(2 * MiB), ownLimit, TOLERANCE, 6);
        api.awaitState(first, "SUCCEEDED", SAMPLING);
        api.awaitState(second, "SUCCEEDED", SAMPLING);
    }

    private String submit(String body) {
        String id = api.submitJson(body);
        cancelAfterwards(id);
        return id;
    }

    private static String file(String path, int size) {
        origin.file(path, size, path.hashCode());
        return origin.url(path);
    }
}
