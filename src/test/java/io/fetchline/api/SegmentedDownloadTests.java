package io.fetchline.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

import io.fetchline.FetchlineTest;
import io.fetchline.origin.RecordedRequest;
import io.fetchline.origin.TestOrigin;
import tools.jackson.databind.JsonNode;

/**
 * Segmented downloads (API.md 1.1): a file of at least {@code segment-min-size} from an origin that honours ranges
 * comes over up to {@code segments} connections at once, as one file with the right SHA-256; pause and retry keep
 * every segment's stored bytes; an origin that does not honour ranges gets one connection. The origin paces each
 * response, as a server with a per-connection rate cap does, so that the segments overlap in time.
 */
@TestPropertySource(properties = {
        "fetchline.fetch.segments=4",
        "fetchline.fetch.segment-min-size=1MB",
        "fetchline.pipeline.progress-interval=50ms"})
class SegmentedDownloadTests extends FetchlineTest {

    private static final int KiB = 1024;
    private static final int MiB = 1024 * KiB;
    private static final Duration FINISHES = Duration.ofSeconds(60);
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-(\\d+)");
    private static final AtomicInteger UNIQUE = new AtomicInteger();


    @Test
    void aLargeFileComesOverFourConcurrentRangesThatCoverItOnce() throws IOException {
        String path = path("one.bin");
        byte[] content = origin.file(path, 4 * MiB + 12_345, 1);
        origin.route(path).bytesPerSecond(MiB);

        String id = submit(path);
        JsonNode item = awaitSucceeded(id);

        assertThat(item.get("sha256").asString()).isEqualTo(TestOrigin.sha256(content));
        assertThat(item.get("bytes").asLong()).isEqualTo(content.length);
        assertThat(item.get("size").asLong()).isEqualTo(content.length);
        assertThat(item.get("attempts").asInt()).isEqualTo(1);
        assertThat(TestOrigin.sha256(Files.readAllBytes(jobFolder(id).resolve("one.bin")))).as("SHA-256 on disk")
                .isEqualTo(TestOrigin.sha256(content));
        List<RecordedRequest> requests = origin.requests(path);
        assertThat(requests).as("requests").hasSize(4);
        assertThat(requests.get(0).header("Range")).as("the first request, which decides").isNull();
        assertThat(origin.maxConcurrent(path)).as("requests served at once").isEqualTo(4);
        List<long[]> ranges = ranges(requests.subList(1, 4));
        // The first response is read up to where the first range starts: together they cover the file once.
        long covered = ranges.get(0)[0];
        assertThat(covered).as("the first segment's end").isPositive();
        for (long[] range : ranges) {
            assertThat(range[0]).as("each range starts where the one before ends").isEqualTo(covered);
            covered = range[1] + 1;
        }
        assertThat(covered).as("the end of the last range").isEqualTo(content.length);
        assertThat(requests.subList(1, 4)).as("ranged requests carry the validator")
                .allSatisfy(request -> assertThat(request.header("If-Range")).isNotNull());
    }

    @Test
    void fourSegmentsComeAboutFourTimesAsFastAsOneConnectionFromAnOriginThatCapsEachConnection() {
        String single = path("single.bin");
        String segmented = path("segmented.bin");
        origin.file(single, 4 * MiB, 2);
        origin.file(segmented, 4 * MiB, 3);
        // The same cap per connection; one of the two origins does not do ranges, so it gets one connection.
        origin.route(single).bytesPerSecond(MiB).noRanges();
        origin.route(segmented).bytesPerSecond(MiB);

        Duration one = timed(single);
        Duration four = timed(segmented);

        assertThat(origin.requestCount(single)).isEqualTo(1);
        assertThat(origin.requestCount(segmented)).isEqualTo(4);
        // Four seconds over one connection, one over four: half of that leaves room for a busy machine.
        assertThat(four).as("4 MiB over four connections; over one it took %s", one).isLessThan(one.dividedBy(2));
    }

    @Test
    void anOriginWithoutRangesGetsOneConnection() {
        String path = path("no-ranges.bin");
        byte[] content = origin.file(path, 3 * MiB, 4);
        // Slow enough to be split, were ranges honoured.
        origin.route(path).noRanges().bytesPerSecond(MiB);

        JsonNode item = awaitSucceeded(submit(path));

        assertThat(item.get("sha256").asString()).isEqualTo(TestOrigin.sha256(content));
        assertThat(origin.requestCount(path)).isEqualTo(1);
    }

    @Test
    void anOriginThatAdvertisesRangesButIgnoresThemStillGivesTheRightFileOverOneConnection() throws IOException {
        String path = path("ignores-ranges.bin");
        byte[] content = origin.file(path, 2 * MiB, 5);
        origin.route(path).noRanges().header("Accept-Ranges", "bytes").bytesPerSecond(MiB / 2);

        String id = submit(path);
        JsonNode item = awaitSucceeded(id);

        assertThat(item.get("sha256").asString()).isEqualTo(TestOrigin.sha256(content));
        assertThat(item.get("attempts").asInt()).isEqualTo(1);
        assertThat(TestOrigin.sha256(Files.readAllBytes(jobFolder(id).resolve("ignores-ranges.bin"))))
                .isEqualTo(TestOrigin.sha256(content));
        assertThat(origin.requests(path).get(0).header("Range")).isNull();
    }

    @Test
    void aFileUnderTheMinimumSizeGetsOneConnection() {
        String path = path("small.bin");
        byte[] content = origin.file(path, MiB - 1, 6);
        // Slow enough to be split, were it large enough.
        origin.route(path).bytesPerSecond(MiB / 4);

        JsonNode item = awaitSucceeded(submit(path));

        assertThat(item.get("sha256").asString()).isEqualTo(TestOrigin.sha256(content));
        assertThat(origin.requestCount(path)).isEqualTo(1);
    }

    @Test
    void aFileThatOneConnectionFetchesSoonIsNotSplit() {
        // After the first half second, the rest takes one connection about a second: splitting would not pay.
        String path = path("quick.bin");
        byte[] content = origin.file(path, 6 * MiB, 9);
        origin.route(path).bytesPerSecond(4 * MiB);

        JsonNode item = awaitSucceeded(submit(path));

        assertThat(item.get("sha256").asString()).isEqualTo(TestOrigin.sha256(content));
        assertThat(origin.requestCount(path)).isEqualTo(1);
    }

    @Test
    void pauseAndResumeContinueEverySegmentFromItsStoredBytes() {
        String path = path("paused.bin");
        byte[] content = origin.file(path, 4 * MiB, 7);
        origin.route(path).bytesPerSecond(256 * KiB);
        String id = submit(path);
        await().atMost(FINISHES).pollInterval(Duration.ofMillis(50))
                .until(() -> api.item(id, 0).get("bytes").asLong() >= MiB);
        List<long[]> firstRanges = ranges(origin.requests(path).subList(1, 4));

        assertThat(api.post("/api/v1/jobs/" + id + "/pause").status()).isEqualTo(202);
        JsonNode paused = await().atMost(FINISHES).until(() -> api.item(id, 0),
                item -> item.get("state").asString().equals("QUEUED"));
        int before = origin.requestCount(path);
        origin.route(path).bytesPerSecond(0);
        assertThat(api.post("/api/v1/jobs/" + id + "/resume").status()).isEqualTo(202);
        JsonNode item = awaitSucceeded(id);

        assertThat(item.get("sha256").asString()).isEqualTo(TestOrigin.sha256(content));
        assertThat(item.get("attempts").asInt()).as("a pause is no attempt").isEqualTo(1);
        List<RecordedRequest> resumed = origin.requests(path).subList(before, origin.requestCount(path));
        assertThat(resumed).as("one request per segment").hasSize(4);
        List<long[]> ranges = ranges(resumed);
        long[] starts = {0, firstRanges.get(0)[0], firstRanges.get(1)[0], firstRanges.get(2)[0]};
        long kept = 0;
        for (int segment = 0; segment < 4; segment++) {
            long[] range = ranges.get(segment);
            long end = segment < 3 ? starts[segment + 1] - 1 : content.length - 1;
            assertThat(range[1]).as("segment %d ends where it did", segment).isEqualTo(end);
            assertThat(range[0]).as("segment %d continues after its stored bytes", segment)
                    .isGreaterThan(starts[segment]);
            kept += range[0] - starts[segment];
        }
        assertThat(kept).as("bytes the ranges skip: the stored bytes recorded at the pause")
                .isEqualTo(paused.get("bytes").asLong());
        assertThat(resumed).allSatisfy(request -> assertThat(request.header("If-Range")).isNotNull());
    }

    @Test
    void aBrokenConnectionIsRetriedAsOneAttemptThatResumesEverySegment() {
        String path = path("broken.bin");
        byte[] content = origin.file(path, 4 * MiB, 8);
        // The first response, the first segment's, breaks after 1,200,000 bytes: after the split (half a second,
        // about 524,288 bytes) and before its segment's end (about 1,450,000), when the others have stored some.
        origin.route(path).bytesPerSecond(MiB).truncateAfter(1_200_000).truncateTimes(1);

        JsonNode item = awaitSucceeded(submit(path));

        assertThat(item.get("sha256").asString()).isEqualTo(TestOrigin.sha256(content));
        assertThat(item.get("attempts").asInt()).as("one failed attempt, one that completed").isEqualTo(2);
        List<RecordedRequest> requests = origin.requests(path);
        assertThat(requests).as("four connections, then four again").hasSize(8);
        List<long[]> retried = ranges(requests.subList(4, 8));
        assertThat(retried.get(0)[0]).as("the broken segment resumes after its stored bytes").isEqualTo(1_200_000);
        List<long[]> first = ranges(requests.subList(1, 4));
        for (int segment = 1; segment < 4; segment++) {
            assertThat(retried.get(segment)[0]).as("segment %d resumes after its stored bytes", segment)
                    .isGreaterThan(first.get(segment - 1)[0]);
            assertThat(retried.get(segment)[1]).isEqualTo(first.get(segment - 1)[1]);
        }
    }

    @Test
    void aFileThatChangedBetweenAttemptsStartsOver() {
        String path = path("changed.bin");
        origin.file(path, 4 * MiB, 9);
        origin.route(path).bytesPerSecond(256 * KiB);
        String id = submit(path);
        await().atMost(FINISHES).pollInterval(Duration.ofMillis(50))
                .until(() -> api.item(id, 0).get("bytes").asLong() >= 512 * KiB);
        assertThat(api.post("/api/v1/jobs/" + id + "/pause").status()).isEqualTo(202);
        await().atMost(FINISHES).until(() -> api.item(id, 0).get("state").asString().equals("QUEUED"));

        byte[] changed = origin.file(path, 4 * MiB + 100, 10);
        origin.route(path).bytesPerSecond(2 * MiB);
        assertThat(api.post("/api/v1/jobs/" + id + "/resume").status()).isEqualTo(202);
        JsonNode item = awaitSucceeded(id);

        assertThat(item.get("sha256").asString()).isEqualTo(TestOrigin.sha256(changed));
        assertThat(item.get("size").asLong()).isEqualTo(changed.length);
    }

    @Test
    void theJobsBandwidthLimitHoldsForAllItsSegmentsTogether() {
        String path = path("limited.bin");
        byte[] content = origin.file(path, 6 * MiB, 11);
        origin.route(path).bytesPerSecond(4 * MiB);

        long start = System.nanoTime();
        String id = api.submitJson("{\"maxBytesPerSecond\": " + MiB + ", \"urls\": [\"" + origin.url(path) + "\"]}");
        cancelAfterwards(id);
        JsonNode item = awaitSucceeded(id);
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(item.get("sha256").asString()).isEqualTo(TestOrigin.sha256(content));
        assertThat(origin.maxConcurrent(path)).as("segments at once").isEqualTo(4);
        // 6 MiB at 1 MiB/s, less the tenth of a second the bucket may hold at the start; 16 MiB/s without it.
        assertThat(took).as("6 MiB at 1 MiB/s over four connections").isGreaterThan(Duration.ofMillis(5_400));
    }

    private Duration timed(String path) {
        long start = System.nanoTime();
        awaitSucceeded(submit(path));
        return Duration.ofNanos(System.nanoTime() - start);
    }

    private String submit(String path) {
        String id = api.submit(List.of(origin.url(path)));
        cancelAfterwards(id);
        return id;
    }

    private JsonNode awaitSucceeded(String id) {
        api.awaitState(id, "SUCCEEDED", FINISHES);
        return api.item(id, 0);
    }

    /** The Range of each request, as {start, end}, by start. */
    private static List<long[]> ranges(List<RecordedRequest> requests) {
        List<long[]> ranges = new ArrayList<>();
        for (RecordedRequest request : requests) {
            Matcher range = RANGE.matcher(String.valueOf(request.header("Range")));
            assertThat(range.matches()).as("Range: %s", request.header("Range")).isTrue();
            ranges.add(new long[] {Long.parseLong(range.group(1)), Long.parseLong(range.group(2))});
        }
        ranges.sort(Comparator.comparingLong(range -> range[0]));
        return ranges;
    }

    private static String path(String name) {
        return "/segments/" + UNIQUE.incrementAndGet() + "/" + name;
    }
}
