package io.fetchline.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.fetchline.FetchlineClient.Response;
import io.fetchline.FetchlineTest;

/** {@code GET /api/v1/jobs/{id}?wait=}: one request that answers when the job ends. */
class JobWaitTests extends FetchlineTest {

    @Test
    void answersAsSoonAsTheJobSucceeds() {
        origin.file("/wait/held.bin", 4000, 1);
        origin.route("/wait/held.bin").hold();
        String id = api.submit(List.of(origin.url("/wait/held.bin")));
        await().atMost(Duration.ofSeconds(10)).until(() -> origin.requestCount("/wait/held.bin") > 0);

        CompletableFuture<Response> waiting = CompletableFuture.supplyAsync(() -> api.get(path(id) + "?wait=60s"));
        // Still running, so the request must still be waiting.
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> !waiting.isDone());
        origin.route("/wait/held.bin").release();

        Response answer = waiting.orTimeout(20, java.util.concurrent.TimeUnit.SECONDS).join();
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.json().get("state").asString()).isEqualTo("SUCCEEDED");
        assertThat(answer.json().get("items").get("succeeded").asInt()).isEqualTo(1);
        assertThat(answer.json().get("finishedAt").isNull()).isFalse();
    }

    @Test
    void answersWithTheRunningJobWhenTheWaitRunsOut() {
        origin.file("/wait/slow.bin", 4000, 2);
        origin.route("/wait/slow.bin").hold();
        try {
            String id = api.submit(List.of(origin.url("/wait/slow.bin")));
            long start = System.nanoTime();

            Response answer = api.get(path(id) + "?wait=400ms");

            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(350));
            assertThat(answer.status()).isEqualTo(200);
            assertThat(answer.json().get("state").asString()).isIn("QUEUED", "RUNNING");
            assertThat(answer.json().get("id").asString()).isEqualTo(id);
        } finally {
            origin.route("/wait/slow.bin").release();
        }
    }

    @Test
    void answersAtOnceForAFinishedJobAndForAZeroWait() {
        origin.file("/wait/done.bin", 100, 3);
        String id = api.submit(List.of(origin.url("/wait/done.bin")));
        api.awaitState(id, "SUCCEEDED", Duration.ofSeconds(20));

        Response finished = api.get(path(id) + "?wait=5m");

        assertThat(finished.status()).isEqualTo(200);
        assertThat(finished.json().get("state").asString()).isEqualTo("SUCCEEDED");
        assertThat(api.get(path(id) + "?wait=0").json().get("state").asString()).isEqualTo("SUCCEEDED");
    }

    @Test
    void wakesTheWaiterWhenTheJobIsCancelled() {
        origin.file("/wait/cancel.bin", 4000, 4);
        origin.route("/wait/cancel.bin").hold();
        try {
            String id = api.submit(List.of(origin.url("/wait/cancel.bin")));
            CompletableFuture<Response> waiting = CompletableFuture.supplyAsync(() -> api.get(path(id) + "?wait=60s"));
            await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2)).until(() -> !waiting.isDone());

            assertThat(api.delete(path(id)).status()).isEqualTo(202);

            Response answer = waiting.orTimeout(20, java.util.concurrent.TimeUnit.SECONDS).join();
            assertThat(answer.json().get("state").asString()).isEqualTo("CANCELLED");
        } finally {
            origin.route("/wait/cancel.bin").release();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"soon", "-1", "6m", "301s", "1h", "1.5s", ""})
    void refusesAWaitItCannotRead(String wait) {
        origin.file("/wait/bad.bin", 10, 5);
        String id = api.submit(List.of(origin.url("/wait/bad.bin")));

        Response answer = api.get(path(id) + "?wait=" + wait);

        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.header("Content-Type")).startsWith("application/problem+json");
        assertThat(answer.json().get("detail").asString()).contains("wait");
    }

    @Test
    void anUnknownJobIsNotFoundAtOnce() {
        Response answer = api.get(path("0f3c7b5e-6a9f-4d0e-9a57-2d7c1f0b8a11") + "?wait=60s");

        assertThat(answer.status()).isEqualTo(404);
    }

    private static String path(String id) {
        return "/api/v1/jobs/" + id;
    }
}
