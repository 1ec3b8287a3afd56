package io.fetchline.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import io.fetchline.FetchlineTest;
import tools.jackson.databind.JsonNode;

class ItemPagingTests extends FetchlineTest {

    @Test
    void pagesAndFiltersItemsInIndexOrder() {
        List<String> urls = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            if (i % 5 == 4) {
                urls.add(origin.url("/paging/missing-" + i));
            } else {
                origin.file("/paging/f-" + i, 10, i);
                urls.add(origin.url("/paging/f-" + i));
            }
        }
        String id = api.submit(urls);
        JsonNode job = api.awaitState(id, "FAILED", Duration.ofSeconds(30));
        assertThat(job.get("items").get("succeeded").asInt()).isEqualTo(20);
        assertThat(job.get("items").get("failed").asInt()).isEqualTo(5);

        JsonNode page = api.items(id, "?offset=10&limit=7");
        assertThat(page.get("total").asInt()).isEqualTo(25);
        assertThat(page.get("offset").asInt()).isEqualTo(10);
        assertThat(page.get("limit").asInt()).isEqualTo(7);
        assertThat(page.get("items").findValues("index").stream().map(JsonNode::asInt))
                .containsExactlyElementsOf(IntStream.range(10, 17).boxed().toList());

        JsonNode failed = api.items(id, "?state=FAILED");
        assertThat(failed.get("total").asInt()).isEqualTo(5);
        assertThat(failed.get("items").findValues("index").stream().map(JsonNode::asInt))
                .containsExactly(4, 9, 14, 19, 24);
        JsonNode first = failed.get("items").get(0);
        assertThat(first.get("error").get("code").asString()).isEqualTo("HTTP_STATUS");
        assertThat(first.get("error").get("message").asString()).contains("404");
        assertThat(first.get("httpStatus").asInt()).isEqualTo(404);
        assertThat(first.get("attempts").asInt()).isEqualTo(1);
        assertThat(first.get("file").isNull()).isTrue();

        assertThat(api.items(id, "?state=succeeded&offset=18").get("items")).hasSize(2);
        assertThat(api.items(id, "?offset=100").get("items")).isEmpty();
        assertThat(api.item(id, 24).get("state").asString()).isEqualTo("FAILED");
    }

    @Test
    void refusesBadPagingAndUnknownIds() {
        origin.file("/paging/one", 1, 1);
        String id = api.submit(List.of(origin.url("/paging/one")));

        assertThat(api.get("/api/v1/jobs/" + id + "/items?limit=1001").status()).isEqualTo(400);
        assertThat(api.get("/api/v1/jobs/" + id + "/items?limit=0").status()).isEqualTo(400);
        assertThat(api.get("/api/v1/jobs/" + id + "/items?offset=-1").status()).isEqualTo(400);
        assertThat(api.get("/api/v1/jobs/" + id + "/items?state=DONE").status()).isEqualTo(400);
        assertThat(api.get("/api/v1/jobs/" + id + "/items/1").status()).isEqualTo(404);
        assertThat(api.get("/api/v1/jobs/" + id + "/items/x").status()).isEqualTo(404);
        assertThat(api.get("/api/v1/jobs/not-a-uuid").status()).isEqualTo(404);
        assertThat(api.get("/api/v1/jobs/00000000-0000-0000-0000-000000000000").status()).isEqualTo(404);
        assertThat(api.get("/api/v1/jobs/00000000-0000-0000-0000-000000000000/items").status()).isEqualTo(404);
        assertThat(api.get("/api/v1/jobs/not-a-uuid").header("Content-Type")).startsWith("application/problem+json");
    }

    @Test
    void listsJobsNewestFirstAndFiltersByState() {
        origin.file("/list/a", 1, 1);
        String older = api.submit(List.of(origin.url("/list/a")));
        api.awaitState(older, "SUCCEEDED", Duration.ofSeconds(30));
        String newer = api.submit(List.of(origin.url("/list/missing")));
        api.awaitState(newer, "FAILED", Duration.ofSeconds(30));

        JsonNode all = api.get("/api/v1/jobs?limit=2").json();
        assertThat(all.get("limit").asInt()).isEqualTo(2);
        assertThat(all.get("jobs").findValuesAsString("id")).containsExactly(newer, older);

        JsonNode failed = api.get("/api/v1/jobs?state=FAILED&limit=1000").json();
        assertThat(failed.get("jobs").findValuesAsString("id")).contains(newer).doesNotContain(older);
        // Each job's own state: a job's webhook has a state of its own.
        assertThat(failed.get("jobs").valueStream().map(job -> job.get("state").asString())).containsOnly("FAILED");
        assertThat(api.get("/api/v1/jobs?limit=5000").status()).isEqualTo(400);
    }
}
