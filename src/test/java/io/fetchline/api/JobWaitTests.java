package io.fetchline.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.fetchline.FetchlineClient.Response;
import io.fetchline.FetchlineTest;

/** {@code GET /api/v1/jobs/{id}?wait=}: one request that answers when the job ends. */
class JobWaitTests extends FetchlineTest {

    @Test
    void answersAsSoonAsTheJobSucceeds() {
        String id = submitHeld("/wait/held.bin", 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> origin.requestCount("/wait/held.bin") > 0);

        CompletableFuture<Response> waiting = waitInBackground(id, Duration.ofMillis(300));
        origin.route("/wait/held.bin").release();

        Response answer = waiting.orTimeout(20, TimeUnit.SECONDS).join();
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.json().get("state").asString()).isEqualTo("SUCCEEDED");
        assertThat(answer.json().get("items").get("succeeded").asInt()).isEqualTo(1);
        assertThat(answer.json().get("finishedAt").isNull()).isFalse();
    }

    @Test
    void answersWithTheRunningJobWhenTheWaitRunsOut() {
        String id = submitHeld("/wait/slow.bin", 2);
        try {
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
        String id = submitHeld("/wait/cancel.bin", 4);
        try {
            CompletableFuture<Response> waiting = waitInBackground(id, Duration.ofMillis(200));

            assertThat(api.delete(path(id)).status()).isEqualTo(202);

            Response answer = waiting.orTimeout(20, TimeUnit.SECONDS).join();
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

    /** A one-item job whose origin holds the request until the test releases the route. */
    private String submitHeld(String filePath, long seed) {
        origin.file(filePath, 4000, seed);
        origin.route(filePath).hold();
        return api.submit(List.of(origin.url(filePath)));
    }

    /** Starts {@code ?wait=60s} and checks that it is still waiting, as it must while the job runs. */
    private CompletableFuture<Response> waitInBackground(String id, Duration stillWaiting) {
        CompletableFuture<Response> waiting = CompletableFuture.supplyAsync(() -> api.get(path(id) + "?wait=60s"));
        await().during(stillWaiting).atMost(Duration.ofSeconds(2)).until(() -> !waiting.isDone());
        return waiting;
    }

    private static String path(String id) {
        return "/api/v1/jobs/" + id;
    }
}
