package io.fetchline.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

import io.fetchline.FetchlineTest;
import io.fetchline.origin.TestOrigin;

/**
 * Segments stay within the per-host limit: two connections per host and four segments per file give a large file
 * the slots that are free, and items of the same host that wait get theirs as soon as segments end.
 */
@TestPropertySource(properties = {
        "fetchline.fetch.per-host-connections=2",
        "fetchline.fetch.segments=4",
        "fetchline.fetch.segment-min-size=1MB"})
class SegmentHostLimitTests extends FetchlineTest {

    private static final int MiB = 1024 * 1024;
    private static final Duration FINISHES = Duration.ofSeconds(60);

    @Test
    void aLargeFileTakesTheFreeSlotsOnlyAndItemsQueuedBehindItStillRun() {
        byte[] large = origin.file("/limit/large.bin", 4 * MiB, 1);
        origin.route("/limit/large.bin").bytesPerSecond(MiB);
        byte[] a = origin.file("/limit/a.bin", 300_000, 2);
        byte[] b = origin.file("/limit/b.bin", 300_000, 3);
        origin.route("/limit/a.bin").bytesPerSecond(MiB);
        origin.route("/limit/b.bin").bytesPerSecond(MiB);

        String first = api.submit(List.of(origin.url("/limit/large.bin")));
        await().atMost(FINISHES).until(() -> origin.requestCount("/limit/large.bin") == 2);
        String behind = api.submit(List.of(origin.url("/limit/a.bin"), origin.url("/limit/b.bin")));
        api.awaitState(first, "SUCCEEDED", FINISHES);
        api.awaitState(behind, "SUCCEEDED", FINISHES);

        assertThat(api.item(first, 0).get("sha256").asString()).isEqualTo(TestOrigin.sha256(large));
        assertThat(api.item(behind, 0).get("sha256").asString()).isEqualTo(TestOrigin.sha256(a));
        assertThat(api.item(behind, 1).get("sha256").asString()).isEqualTo(TestOrigin.sha256(b));
        assertThat(origin.requestCount("/limit/large.bin")).as("the large file's connections: the two slots")
                .isEqualTo(2);
        assertThat(origin.maxConcurrent("/limit/")).as("requests to the host at once").isLessThanOrEqualTo(2);
    }

    @Test
    void aLargeFileGetsNoSegmentWhenItsHostsSlotsAreTaken() {
        byte[] large = origin.file("/waiting/large.bin", 4 * MiB, 4);
        origin.route("/waiting/large.bin").bytesPerSecond(2 * MiB);
        byte[] a = origin.file("/waiting/a.bin", 600_000, 5);
        byte[] b = origin.file("/waiting/b.bin", 600_000, 6);
        origin.route("/waiting/a.bin").bytesPerSecond(MiB);
        origin.route("/waiting/b.bin").bytesPerSecond(MiB);

        String id = api.submit(List.of(origin.url("/waiting/large.bin"), origin.url("/waiting/a.bin"),
                origin.url("/waiting/b.bin")));
        api.awaitState(id, "SUCCEEDED", FINISHES);

        assertThat(api.item(id, 0).get("sha256").asString()).isEqualTo(TestOrigin.sha256(large));
        assertThat(api.item(id, 1).get("sha256").asString()).isEqualTo(TestOrigin.sha256(a));
        assertThat(api.item(id, 2).get("sha256").asString()).isEqualTo(TestOrigin.sha256(b));
        assertThat(origin.maxConcurrent("/waiting/")).as("requests to the host at once").isLessThanOrEqualTo(2);
        // Both slots were taken when the large file's first response came, so it went on alone.
        assertThat(origin.requestCount("/waiting/large.bin")).isEqualTo(1);
    }
}
