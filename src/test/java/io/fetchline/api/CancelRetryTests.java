package io.fetchline.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fetchline.FetchlineClient.Response;
import io.fetchline.FetchlineTest;
import io.fetchline.origin.TestOrigin;
import tools.jackson.databind.JsonNode;

class CancelRetryTests extends FetchlineTest {

    @Test
    void cancelStopsActiveAndQueuedItemsRemovesTheirPartsAndKeepsFinishedFiles() {
        origin.file("/cancel/fast.bin", 1000, 1);
        origin.file("/cancel/slow.bin", 2_000_000, 2);
        origin.route("/cancel/slow.bin").bytesPerSecond(50_000);
        String id = api.submit(List.of(origin.url("/cancel/fast.bin"), origin.url("/cancel/slow.bin")));
        await().atMost(Duration.ofSeconds(20)).until(() -> api.item(id, 0).get("state").asString().equals("SUCCEEDED")
                && api.item(id, 1).get("bytes").asLong() > 0);
        assertThat(jobFolder(id).resolve("slow.bin.part")).exists();

        Response cancel = api.delete("/api/v1/jobs/" + id);

        assertThat(cancel.status()).isEqualTo(202);
        assertThat(cancel.json().get("state").asString()).isEqualTo("CANCELLED");
        assertThat(cancel.json().get("finishedAt").isNull()).isFalse();
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(jobFolder(id).resolve("slow.bin.part")).doesNotExist());
        assertThat(api.item(id, 1).get("state").asString()).isEqualTo("CANCELLED");
        assertThat(jobFolder(id).resolve("fast.bin")).exists();
        assertThat(jobFolder(id).resolve("slow.bin")).doesNotExist();
        JsonNode job = api.job(id);
        assertThat(job.get("items").get("cancelled").asInt()).isEqualTo(1);
        assertThat(job.get("items").get("succeeded").asInt()).isEqualTo(1);
        // Stays cancelled: a late progress report from the aborted transfer must not undo it.
        await().during(Duration.ofMillis(600)).atMost(Duration.ofSeconds(2))
                .until(() -> api.item(id, 1).get("state").asString().equals("CANCELLED"));

        Response again = api.delete("/api/v1/jobs/" + id);
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.header("Content-Type")).startsWith("application/problem+json");
    }

    @Test
    void retryRequeuesFailedItemsOfAFinishedJob() {
        byte[] content = origin.file("/retry/flaky.bin", 5000, 3);
        origin.route("/retry/flaky.bin").status(404);
        origin.file("/retry/ok.bin", 10, 4);
        String id = api.submit(List.of(origin.url("/retry/ok.bin"), origin.url("/retry/flaky.bin")));
        api.awaitState(id, "FAILED", Duration.ofSeconds(30));
        assertThat(api.item(id, 1).get("attempts").asInt()).isEqualTo(1);

        Response retry = api.post("/api/v1/jobs/" + id + "/retry", null, "", Map.of());

        assertThat(retry.status()).isEqualTo(202);
        assertThat(retry.json().get("finishedAt").isNull()).isTrue();
        JsonNode job = api.awaitState(id, "SUCCEEDED", Duration.ofSeconds(30));
        assertThat(job.get("items").get("succeeded").asInt()).isEqualTo(2);
        JsonNode item = api.item(id, 1);
        assertThat(item.get("error").isNull()).isTrue();
        assertThat(item.get("sha256").asString()).isEqualTo(TestOrigin.sha256(content));
        assertThat(jobFolder(id).resolve("flaky.bin")).exists();
        assertThat(jobFolder(id).resolve("ok-1.bin")).doesNotExist();
    }

    @Test
    void retryOfACancelledJobFinishesIt() throws Exception {
        origin.file("/retry-cancel/slow.bin", 300_000, 5);
        origin.route("/retry-cancel/slow.bin").bytesPerSecond(100_000);
        String id = api.submit(List.of(origin.url("/retry-cancel/slow.bin")));
        await().atMost(Duration.ofSeconds(10)).until(() -> api.item(id, 0).get("bytes").asLong() > 0);
        assertThat(api.post("/api/v1/jobs/" + id + "/retry", null, "", Map.of()).status()).isEqualTo(409);
        assertThat(api.delete("/api/v1/jobs/" + id).status()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(jobFolder(id).resolve("slow.bin.part")).doesNotExist());
        origin.route("/retry-cancel/slow.bin").bytesPerSecond(50_000_000);

        assertThat(api.post("/api/v1/jobs/" + id + "/retry", null, "", Map.of()).status()).isEqualTo(202);

        api.awaitState(id, "SUCCEEDED", Duration.ofSeconds(30));
        assertThat(Files.size(jobFolder(id).resolve("slow.bin"))).isEqualTo(300_000);
    }

    @Test
    void unknownJobsAreNotFound() {
        String unknown = "/api/v1/jobs/00000000-0000-0000-0000-000000000001";
        assertThat(api.delete(unknown).status()).isEqualTo(404);
        assertThat(api.post(unknown + "/retry", null, "", Map.of()).status()).isEqualTo(404);
    }
}
