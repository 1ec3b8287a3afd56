package io.fetchline.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.test.context.TestPropertySource;

import io.fetchline.FetchlineTest;
import tools.jackson.databind.JsonNode;

/**
 * The service with a retry schedule short enough for tests (300 ms, repeating), three attempts and a one-second
 * timeout, and only 127.0.0.1 allowed: a receiver there is reachable, one on 127.0.0.2 is refused by the address
 * policy. Every test gets a fresh receiver on 127.0.0.1.
 */
@TestPropertySource(properties = {
        "fetchline.fetch.allowed-networks=127.0.0.1/32",
        "fetchline.webhooks.retry-delays=300ms",
        "fetchline.webhooks.max-attempts=3",
        "fetchline.webhooks.timeout=1s"})
abstract class WebhookTest extends FetchlineTest {

    /** 32 bytes, as {@code openssl rand -base64 32} makes them. */
    static final String SECRET = "whsec_YS0zMi1ieXRlLXRlc3Qtc2VjcmV0LWZvci1ob29rcyE=";

    static final Duration DELIVERY = Duration.ofSeconds(30);

    WebhookReceiver receiver;

    @BeforeEach
    void startReceiver() {
        receiver = WebhookReceiver.start("127.0.0.1");
    }

    @AfterEach
    void stopReceiver() {
        receiver.close();
    }

    /** Submits the URLs as a JSON job with the given {@code webhook} object and returns the job's id. */
    String submit(String webhook, String... urls) {
        return api.submitJson("{\"urls\": [\"" + String.join("\", \"", urls) + "\"], \"webhook\": " + webhook + "}");
    }

    static String webhook(String url, String secret) {
        return secret == null ? "{\"url\": \"" + url + "\"}"
                : "{\"url\": \"" + url + "\", \"secret\": \"" + secret + "\"}";
    }

    /** {@code webhook.state} of the job, null when it has none yet. */
    String deliveryState(String id) {
        JsonNode state = api.job(id).get("webhook").get("state");
        return state.isNull() ? null : state.asString();
    }

    /** Waits until the job's delivery reaches {@code state} and returns the job. */
    JsonNode awaitDelivery(String id, String state) {
        await().atMost(DELIVERY).pollInterval(Duration.ofMillis(50)).until(() -> {
            String now = deliveryState(id);
            assertThat(now).as("webhook.state of job %s", id).isNotEqualTo(other(state));
            return state.equals(now);
        });
        return api.job(id);
    }

    double deliveries(String outcome) {
        return api.metric("fetchline_webhook_deliveries_total{outcome=\"" + outcome + "\"}");
    }

    /** The final state a delivery cannot leave for {@code state}. */
    private static String other(String state) {
        return switch (state) {
            case "DELIVERED" -> "FAILED";
            case "FAILED" -> "DELIVERED";
            default -> "none";
        };
    }
}
