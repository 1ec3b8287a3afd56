package io.fetchline.durability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fetchline.FetchlineClient;
import io.fetchline.origin.TestOrigin;
import tools.jackson.databind.JsonNode;

/** SIGTERM mid-job: the service stops within its grace period, and the next start finishes the job. */
class GracefulShutdownIT extends ServiceProcessTest {

    private static final Duration SHUTDOWN_PHASE = Duration.ofSeconds(10);

    @Test
    void sigtermStopsWithinTheGracePeriodAndTheNextStartFinishesTheJob() throws IOException, SQLException {
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (int i = 1; i <= 3; i++) {
            String path = "/term/large-" + i + ".bin";
            files.put(path, origin.file(path, 8 * MiB, i));
            // Far longer than the grace period: these have to be cut short and resumed.
            origin.route(path).bytesPerSecond(MiB);
        }
        for (int i = 1; i <= 10; i++) {
            String path = "/term/small-" + i + ".bin";
            files.put(path, origin.file(path, 30_000, 40 + i));
        }
        service = new ServiceProcess("sigterm", home,
                "--spring.lifecycle.timeout-per-shutdown-phase=" + SHUTDOWN_PHASE.toSeconds() + "s");
        FetchlineClient first = service.start();
        String id = first.submit(files.keySet().stream().map(origin::url).toList());
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> {
            JsonNode items = first.items(id, "").get("items");
            for (int i = 0; i < 3; i++) {
                if (items.get(i).get("bytes").asLong() < 512 * 1024) {
                    return false;
                }
            }
            return true;
        });

        Duration stopping = service.terminate(SHUTDOWN_PHASE.plusSeconds(10));

        assertThat(stopping).isLessThanOrEqualTo(SHUTDOWN_PHASE.plusSeconds(10));
        assertThat(Files.readString(service.log())).contains("Pipeline stopped");
        try (Connection db = service.database(); Statement sql = db.createStatement()) {
            assertThat(count(sql, "SELECT COUNT(*) FROM items WHERE state = 'ACTIVE'"))
                    .as("items left active by a graceful stop").isZero();
            assertThat(count(sql, "SELECT COUNT(*) FROM items WHERE state = 'QUEUED' AND idx < 3"))
                    .as("large items left queued for the next start").isEqualTo(3);
        }
        assertThat(service.files(id)).contains("large-1.bin.part", "large-2.bin.part", "large-3.bin.part");

        FetchlineClient api = service.start();
        api.awaitState(id, "SUCCEEDED", Duration.ofSeconds(90));

        JsonNode items = api.items(id, "?limit=1000").get("items");
        assertThat(items).hasSize(files.size());
        List<String> names = new ArrayList<>();
        int index = 0;
        for (Map.Entry<String, byte[]> file : files.entrySet()) {
            String name = file.getKey().substring(file.getKey().lastIndexOf('/') + 1);
            names.add(name);
            JsonNode item = items.get(index++);
            assertThat(item.get("file").asString()).as(item.toString()).isEqualTo(name);
            assertThat(item.get("sha256").asString()).as(item.toString())
                    .isEqualTo(TestOrigin.sha256(file.getValue()));
            Path stored = service.downloads().resolve(id).resolve(name);
            assertThat(TestOrigin.sha256(Files.readAllBytes(stored))).as("SHA-256 of %s on disk", stored)
                    .isEqualTo(TestOrigin.sha256(file.getValue()));
        }
        names.sort(null);
        assertThat(service.files(id)).as("files in the job's folder").containsExactlyElementsOf(names);
        for (int i = 1; i <= 3; i++) {
            String path = "/term/large-" + i + ".bin";
            assertThat(origin.requests(path)).as("requests for %s", path)
                    .filteredOn(r -> r.header("Range") == null).hasSize(1);
        }
    }

    private static long count(Statement sql, String query) throws SQLException {
        try (ResultSet rows = sql.executeQuery(query)) {
            rows.next();
            return rows.getLong(1);
        }
    }
}
