package io.fetchline.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.fetchline.FetchlineTest;
import tools.jackson.databind.JsonNode;

/**
 * The counts and bytes of status reads follow the stream of committed changes: they move while a job runs, agree
 * with its items, and are exact after a cancel and a retry, which change many items at once.
 */
class JobProgressTests extends FetchlineTest {

    private static final Duration SOON = Duration.ofSeconds(20);

    @Test
    void aRunningJobShowsItsItemsAndBytesAsTheyAreRecorded() {
        List<String> urls = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String path = "/progress/running/" + i + ".bin";
            origin.file(path, i == 0 ? 1_000 : 1_500_000, 10 + i);
            origin.route(path).bytesPerSecond(i == 0 ? 0 : 150_000);
            urls.add(origin.url(path));
        }
        String id = api.submit(urls);

        // One item done, two downloading, and the job's bytes the sum of its items' as last recorded.
        await().atMost(SOON).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
            JsonNode job = api.job(id);
            long itemBytes = 0;
            for (JsonNode item : api.items(id, "").get("items")) {
                itemBytes += item.get("bytes").asLong();
            }
            assertThat(job.get("items").get("succeeded").asInt()).isEqualTo(1);
            assertThat(job.get("items").get("active").asInt()).isEqualTo(2);
            assertThat(job.get("items").get("queued").asInt()).isZero();
            assertThat(job.get("bytes").get("downloaded").asLong()).isGreaterThan(1_000).isEqualTo(itemBytes);
            assertThat(job.get("bytes").get("expected").asLong()).isEqualTo(3_001_000);
        });

        assertThat(api.delete("/api/v1/jobs/" + id).status()).isEqualTo(202);

        JsonNode cancelled = api.job(id);
        assertThat(cancelled.get("items").get("cancelled").asInt()).isEqualTo(2);
        assertThat(cancelled.get("items").get("succeeded").asInt()).isEqualTo(1);
        assertThat(cancelled.get("items").get("active").asInt() + cancelled.get("items").get("queued").asInt())
                .isZero();
        urls.forEach(url -> origin.route(url.substring(url.indexOf("/progress"))).bytesPerSecond(0));

        assertThat(api.post("/api/v1/jobs/" + id + "/retry").status()).isEqualTo(202);

        JsonNode retried = api.job(id);
        assertThat(retried.get("items").get("cancelled").asInt()).isZero();
        assertThat(retried.get("items").get("succeeded").asInt()
                + retried.get("items").get("queued").asInt() + retried.get("items").get("active").asInt())
                .isEqualTo(3);
        JsonNode done = api.awaitState(id, "SUCCEEDED", SOON);
        assertThat(done.get("items").get("succeeded").asInt()).isEqualTo(3);
        assertThat(done.get("bytes").get("downloaded").asLong()).isEqualTo(3_001_000);
    }
}
