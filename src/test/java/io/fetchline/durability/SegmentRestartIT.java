package io.fetchline.durability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.fetchline.FetchlineClient;
import io.fetchline.origin.RecordedRequest;
import io.fetchline.origin.TestOrigin;
import tools.jackson.databind.JsonNode;

/** SIGKILL in the middle of a segmented download: after the restart every segment resumes from its recorded extent. */
class SegmentRestartIT extends ServiceProcessTest {

    private static final Duration FINISH = Duration.ofSeconds(90);

    @Test
    void afterSigkillEverySegmentResumesFromItsRecordedExtent() throws IOException, SQLException {
        String path = "/segmented/big.bin";
        byte[] content = origin.file(path, 4 * MiB + 4_321, 17);
        // Four connections of 256 KiB/s: the kill lands with every segment part-way.
        origin.route(path).bytesPerSecond(256 * 1024);
        service = new ServiceProcess("segment-restart", home, "--fetchline.fetch.segments=4",
                "--fetchline.fetch.segment-min-size=1MB");
        FetchlineClient first = service.start();
        String id = first.submit(List.of(origin.url(path)));
        await().atMost(FINISH).pollInterval(Duration.ofMillis(50))
                .until(() -> first.item(id, 0).get("bytes").asLong() >= MiB);

        service.kill();

        assertThat(origin.requests(path)).as("connections before the kill").hasSize(4);
        List<long[]> recorded = recordedSegments();
        assertThat(recorded).as("segments recorded by the killed service").hasSize(4);
        assertThat(recorded).allSatisfy(segment -> assertThat(segment[2]).as("stored").isPositive()
                .isLessThan(segment[1] - segment[0]));
        int before = origin.requestCount(path);
        origin.route(path).bytesPerSecond(0);

        FetchlineClient api = service.start();
        api.awaitState(id, "SUCCEEDED", FINISH);

        JsonNode item = api.item(id, 0);
        assertThat(item.get("sha256").asString()).as(item.toString()).isEqualTo(TestOrigin.sha256(content));
        assertThat(TestOrigin.sha256(Files.readAllBytes(service.downloads().resolve(id).resolve("big.bin"))))
                .as("SHA-256 on disk").isEqualTo(TestOrigin.sha256(content));
        List<RecordedRequest> resumed = origin.requests(path).subList(before, origin.requestCount(path));
        // A request without Range, had the file started over, sorts first and shows as "null".
        List<String> ranges = resumed.stream().map(request -> String.valueOf(request.header("Range")))
                .sorted(Comparator.comparingLong(SegmentRestartIT::start)).toList();
        List<String> expected = new ArrayList<>();
        for (long[] segment : recorded) {
            expected.add("bytes=" + (segment[0] + segment[2]) + "-" + (segment[1] - 1));
        }
        assertThat(ranges).as("requests after the restart").containsExactlyElementsOf(expected);
    }

    private static long start(String range) {
        return range.startsWith("bytes=") ? Long.parseLong(range.substring(6, range.indexOf('-'))) : -1;
    }

    /** The item's segments as the killed service recorded them: {start, end, stored}, by start. */
    private List<long[]> recordedSegments() throws SQLException {
        try (Connection db = service.database();
                ResultSet row = db.createStatement().executeQuery("SELECT segments FROM items")) {
            assertThat(row.next()).isTrue();
            List<long[]> segments = new ArrayList<>();
            for (String part : row.getString(1).split(",")) {
                int dash = part.indexOf('-');
                int colon = part.indexOf(':');
                segments.add(new long[] {Long.parseLong(part.substring(0, dash)),
                        Long.parseLong(part.substring(dash + 1, colon)), Long.parseLong(part.substring(colon + 1))});
            }
            return segments;
        }
    }
}
