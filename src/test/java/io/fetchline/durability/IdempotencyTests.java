package io.fetchline.durability;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.fetchline.FetchlineClient;
import io.fetchline.FetchlineTest;

/** {@code Idempotency-Key}: a repeated submit returns the first job and creates nothing; another body is 422. */
class IdempotencyTests extends FetchlineTest {

    @BeforeEach
    void files() {
        for (String name : List.of("a", "b", "c", "d", "e")) {
            origin.file("/idempotency/" + name + ".bin", 1000, name.charAt(0));
        }
    }

    @Test
    void aRepeatWithTheSameKeyAndBodyReturnsTheFirstJob() {
        String body = origin.url("/idempotency/a.bin") + "\n";
        Map<String, String> key = Map.of("Idempotency-Key", "repeat-1");
        FetchlineClient.Response first = api.post("/api/v1/jobs", "text/uri-list", body, key);
        int jobs = jobCount();

        FetchlineClient.Response repeat = api.post("/api/v1/jobs", "text/uri-list", body, key);

        assertThat(first.status()).as(first.body()).isEqualTo(202);
        assertThat(repeat.status()).as(repeat.body()).isEqualTo(200);
        assertThat(repeat.json().get("id").asString()).isEqualTo(first.json().get("id").asString());
        assertThat(repeat.header("Location")).isEqualTo(first.header("Location"))
                .isEqualTo("/api/v1/jobs/" + first.json().get("id").asString());
        assertThat(jobCount()).isEqualTo(jobs);
    }

    @Test
    void theSameKeyWithAnotherBodyIsRefusedAndCreatesNothing() {
        Map<String, String> key = Map.of("Idempotency-Key", "mismatch-1");
        FetchlineClient.Response first = api.post("/api/v1/jobs", "text/uri-list",
                origin.url("/idempotency/b.bin") + "\n", key);
        int jobs = jobCount();

        FetchlineClient.Response otherUrl = api.post("/api/v1/jobs", "text/uri-list",
                origin.url("/idempotency/c.bin") + "\n", key);
        FetchlineClient.Response otherType = api.post("/api/v1/jobs", "text/plain",
                origin.url("/idempotency/b.bin") + "\n", key);

        assertThat(first.status()).as(first.body()).isEqualTo(202);
        for (FetchlineClient.Response refused : List.of(otherUrl, otherType)) {
            assertThat(refused.status()).as(refused.body()).isEqualTo(422);
            assertThat(refused.header("Content-Type")).startsWith("application/problem+json");
            assertThat(refused.json().get("status").asInt()).isEqualTo(422);
        }
        assertThat(jobCount()).isEqualTo(jobs);
    }

    @Test
    void concurrentRepeatsCreateOneJob() throws Exception {
        String body = origin.url("/idempotency/d.bin") + "\n";
        Map<String, String> key = Map.of("Idempotency-Key", "concurrent-1");
        int jobs = jobCount();
        ExecutorService clients = Executors.newFixedThreadPool(6);
        List<CompletableFuture<FetchlineClient.Response>> responses = new ArrayList<>();
        try {
            for (int i = 0; i < 6; i++) {
                responses.add(CompletableFuture.supplyAsync(
                        () -> api.post("/api/v1/jobs", "text/uri-list", body, key), clients));
            }
            CompletableFuture.allOf(responses.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        } finally {
            clients.shutdownNow();
        }

        List<FetchlineClient.Response> answers = responses.stream().map(CompletableFuture::join).toList();
        assertThat(answers).extracting(FetchlineClient.Response::status).containsOnly(200, 202)
                .filteredOn(status -> status == 202).hasSize(1);
        assertThat(answers).extracting(answer -> answer.json().get("id").asString()).containsOnly(
                answers.get(0).json().get("id").asString());
        assertThat(jobCount()).isEqualTo(jobs + 1);
    }

    @Test
    void submitsWithoutAKeyAreNeverMerged() {
        String body = origin.url("/idempotency/e.bin") + "\n";
        FetchlineClient.Response first = api.post("/api/v1/jobs", "text/uri-list", body, Map.of());
        FetchlineClient.Response second = api.post("/api/v1/jobs", "text/uri-list", body, Map.of());

        assertThat(first.status()).isEqualTo(202);
        assertThat(second.status()).isEqualTo(202);
        assertThat(second.json().get("id").asString()).isNotEqualTo(first.json().get("id").asString());
    }

    private int jobCount() {
        return api.get("/api/v1/jobs").json().get("total").asInt();
    }
}
