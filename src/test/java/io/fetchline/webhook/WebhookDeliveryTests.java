package io.fetchline.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import io.fetchline.FetchlineClient;
import io.fetchline.webhook.WebhookReceiver.Received;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Deliveries to a real receiver over HTTP: signed as the Standard Webhooks specification says and checked by the
 * receiver's own HMAC, tried again with the same id and body after a failure, never following a redirect, given
 * up after the last attempt or at once for a refused address, and counted.
 */
@ExtendWith(OutputCaptureExtension.class)
class WebhookDeliveryTests extends WebhookTest {

    private static final String PASSWORD = "hook-Pa55word";

    private final JsonMapper json = JsonMapper.builder().build();

    @Test
    void aSignedEventIsTriedAgainAfterA500WithTheSameIdAndBody(CapturedOutput output) {
        origin.file("/hooked/a.bin", 2048, 1);
        receiver.answer(500);
        double delivered = deliveries("delivered");
        double retried = deliveries("retried");
        String url = receiver.url("/hook").replace("http://", "http://hook:" + PASSWORD + "@");
        List<FetchlineClient.Response> responses = new ArrayList<>();

        String id = submit(webhook(url, SECRET), origin.url("/hooked/a.bin"));
        JsonNode job = api.awaitState(id, "SUCCEEDED", DELIVERY);
        JsonNode delivered2 = awaitDelivery(id, "DELIVERED");

        assertThat(delivered2.get("webhook").get("attempts").asInt()).isEqualTo(2);
        List<Received> requests = receiver.received("/hook");
        assertThat(requests).hasSize(2);
        Received first = requests.get(0);
        Received second = requests.get(1);
        assertThat(first.header("webhook-id")).startsWith("msg_").isEqualTo(second.header("webhook-id"));
        assertThat(second.body()).isEqualTo(first.body());
        assertThat(requests).allSatisfy(request -> {
            assertThat(request.method()).isEqualTo("POST");
            assertThat(request.header("Content-Type")).isEqualTo("application/json");
            assertThat(request.signedWith(SECRET)).as("signature %s", request.header("webhook-signature")).isTrue();
            assertThat(request.header("Authorization")).isEqualTo("Basic " + Base64.getEncoder()
                    .encodeToString(("hook:" + PASSWORD).getBytes(StandardCharsets.UTF_8)));
        });
        assertThat(Duration.between(first.arrivedAt(), second.arrivedAt()))
                .as("the first retry waits 300 ms - 20 %").isGreaterThanOrEqualTo(Duration.ofMillis(230));
        assertThat(Long.parseLong(second.header("webhook-timestamp")))
                .as("each attempt signs with its own time").isGreaterThanOrEqualTo(
                        Long.parseLong(first.header("webhook-timestamp")))
                .isCloseTo(Instant.now().getEpochSecond(), org.assertj.core.data.Offset.offset(60L));
        JsonNode event = json.readTree(first.body());
        assertThat(event.get("type").asString()).isEqualTo("job.succeeded");
        assertThat(event.get("timestamp").asString()).isEqualTo(job.get("finishedAt").asString());
        JsonNode data = event.get("data");
        assertThat(data.get("id").asString()).isEqualTo(id);
        assertThat(data.get("state").asString()).isEqualTo("SUCCEEDED");
        assertThat(data.get("items").get("succeeded").asInt()).isEqualTo(1);
        assertThat(data.get("bytes").get("downloaded").asLong()).isEqualTo(2048);
        assertThat(data.get("webhook").get("url").asString()).isEqualTo(url.replace(PASSWORD, "***"));
        assertThat(data.get("webhook").get("state").asString()).isEqualTo("PENDING");
        await().atMost(DELIVERY).untilAsserted(() -> {
            assertThat(deliveries("delivered")).isEqualTo(delivered + 1);
            assertThat(deliveries("retried")).isEqualTo(retried + 1);
        });
        responses.add(api.get("/api/v1/jobs/" + id));
        responses.add(api.get("/api/v1/jobs?limit=1000"));
        responses.add(api.get("/actuator/prometheus"));
        String key = SECRET.substring("whsec_".length());
        assertThat(responses).allSatisfy(response -> assertThat(response.body())
                .doesNotContain(key).doesNotContain(PASSWORD));
        assertThat(first.body()).doesNotContain(key).doesNotContain(PASSWORD);
        assertThat(output.getAll()).doesNotContain(key).doesNotContain(PASSWORD)
                .contains("hook:***@127.0.0.1");
    }

    @Test
    void eachEndIsAnnouncedWithItsOwnType() {
        String failed = submit(webhook(receiver.url("/failed"), SECRET), origin.url("/hooked/missing"));
        String cancelled = api.submitJson("{\"urls\": [\"" + origin.url("/hooked/never") + "\"], \"paused\": true,"
                + " \"webhook\": " + webhook(receiver.url("/cancelled"), null) + "}");
        assertThat(api.delete("/api/v1/jobs/" + cancelled).status()).isEqualTo(202);

        api.awaitState(failed, "FAILED", DELIVERY);
        awaitDelivery(failed, "DELIVERED");
        awaitDelivery(cancelled, "DELIVERED");

        Received failure = receiver.received("/failed").get(0);
        assertThat(json.readTree(failure.body()).get("type").asString()).isEqualTo("job.failed");
        assertThat(json.readTree(failure.body()).get("data").get("state").asString()).isEqualTo("FAILED");
        assertThat(failure.signedWith(SECRET)).isTrue();
        Received cancel = receiver.received("/cancelled").get(0);
        assertThat(json.readTree(cancel.body()).get("type").asString()).isEqualTo("job.cancelled");
        assertThat(json.readTree(cancel.body()).get("data").get("state").asString()).isEqualTo("CANCELLED");
        assertThat(cancel.header("webhook-id")).startsWith("msg_").isNotEqualTo(failure.header("webhook-id"));
        assertThat(cancel.header("webhook-timestamp")).isNotNull();
        assertThat(cancel.header("webhook-signature")).as("no secret, no signature").isNull();
    }

    @Test
    void aRetriedJobThatEndsAgainSendsANewEvent() {
        String id = submit(webhook(receiver.url("/again"), SECRET), origin.url("/hooked/later.bin"));
        api.awaitState(id, "FAILED", DELIVERY);
        awaitDelivery(id, "DELIVERED");
        origin.file("/hooked/later.bin", 1000, 2);

        FetchlineClient.Response retried = api.post("/api/v1/jobs/" + id + "/retry");

        assertThat(retried.status()).isEqualTo(202);
        assertThat(retried.json().get("webhook").get("state").isNull())
                .as("a job that has not ended again has no delivery yet: %s", retried.body()).isTrue();
        assertThat(retried.json().get("webhook").get("attempts").asInt()).isZero();
        api.awaitState(id, "SUCCEEDED", DELIVERY);
        awaitDelivery(id, "DELIVERED");
        List<Received> requests = receiver.received("/again");
        assertThat(requests).hasSize(2);
        assertThat(json.readTree(requests.get(0).body()).get("type").asString()).isEqualTo("job.failed");
        assertThat(json.readTree(requests.get(1).body()).get("type").asString()).isEqualTo("job.succeeded");
        assertThat(requests.get(1).header("webhook-id")).isNotEqualTo(requests.get(0).header("webhook-id"));
    }

    @Test
    void aRedirectIsAFailedAttemptAndIsNotFollowed() {
        receiver.answer(302, 307).location(receiver.url("/moved"));
        double retried = deliveries("retried");

        String id = submit(webhook(receiver.url("/redirecting"), SECRET), origin.url("/hooked/missing"));
        JsonNode job = awaitDelivery(id, "DELIVERED");

        assertThat(job.get("webhook").get("attempts").asInt()).isEqualTo(3);
        assertThat(receiver.received("/redirecting")).hasSize(3);
        assertThat(receiver.received("/moved")).isEmpty();
        await().atMost(DELIVERY).untilAsserted(() -> assertThat(deliveries("retried")).isEqualTo(retried + 2));
    }

    @Test
    void givesUpAfterTheLastAttempt() {
        receiver.answer(500, 503, 404, 200);
        double failed = deliveries("failed");
        double retried = deliveries("retried");

        String id = submit(webhook(receiver.url("/down"), SECRET), origin.url("/hooked/missing"));
        JsonNode job = awaitDelivery(id, "FAILED");

        assertThat(job.get("webhook").get("attempts").asInt()).isEqualTo(3);
        await().atMost(DELIVERY).untilAsserted(() -> {
            assertThat(deliveries("failed")).isEqualTo(failed + 1);
            assertThat(deliveries("retried")).isEqualTo(retried + 2);
        });
        await("no attempt after the last").during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3))
                .until(() -> receiver.received("/down").size() == 3);
        assertThat(receiver.received("/down")).extracting(request -> request.header("webhook-id")).containsOnly(
                receiver.received("/down").get(0).header("webhook-id"));
    }

    @Test
    void aReceiverThatDoesNotAnswerInTimeIsTriedAgain() {
        receiver.answer(WebhookReceiver.SILENCE);

        String id = submit(webhook(receiver.url("/slow"), SECRET), origin.url("/hooked/missing"));
        JsonNode job = awaitDelivery(id, "DELIVERED");

        assertThat(job.get("webhook").get("attempts").asInt()).isEqualTo(2);
        assertThat(receiver.received("/slow")).hasSize(2);
    }

    @Test
    void aReceiverAtARefusedAddressFailsAtOnceWithoutARequest(CapturedOutput output) {
        double failed = deliveries("failed");
        double retried = deliveries("retried");
        try (WebhookReceiver internal = WebhookReceiver.start("127.0.0.2")) {
            String id = submit(webhook(internal.url("/internal"), SECRET), origin.url("/hooked/missing"));
            JsonNode job = awaitDelivery(id, "FAILED");

            assertThat(job.get("webhook").get("attempts").asInt()).isEqualTo(1);
            await("no request, no second attempt").during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3))
                    .until(() -> internal.received().isEmpty()
                            && api.job(id).get("webhook").get("attempts").asInt() == 1);
            await().atMost(DELIVERY).untilAsserted(() -> assertThat(deliveries("failed")).isEqualTo(failed + 1));
            assertThat(deliveries("retried")).isEqualTo(retried);
            assertThat(output.getAll()).contains("127.0.0.2 (loopback)");
        }
    }
}
