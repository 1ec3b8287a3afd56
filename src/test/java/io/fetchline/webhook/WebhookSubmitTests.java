package io.fetchline.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.fetchline.FetchlineClient.Response;
import tools.jackson.databind.JsonNode;

/** The {@code webhook} field of a submission: checked, stored, and shown without its secret. */
class WebhookSubmitTests extends WebhookTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
            '{"url": "ftp://127.0.0.1/hook"}'            | webhook.url    | scheme must be http or https
            '{"url": "/hook"}'                           | webhook.url    | URL must be absolute
            '{"url": "http:///hook"}'                    | webhook.url    | no valid host
            '{"url": ""}'                                | webhook.url    | URL is empty
            '{"url": 42}'                                | webhook.url    | must be an absolute http or https URL
            '{"secret": "whsec_YS0zMi1ieXRlLXRlc3Qtc2VjcmV0LWZvci1ob29rcyE="}' | webhook.url | must be an absolute
            '"http://127.0.0.1/hook"'                    | webhook        | must be an object
            '{"url": "http://127.0.0.1/hook", "events": []}' | webhook.events | unknown field
            '{"url": "http://127.0.0.1/hook", "secret": "s3cr3t-but-not-standard"}' | webhook.secret | must be whsec_
            '{"url": "http://127.0.0.1/hook", "secret": "whsec_not base64!"}' | webhook.secret | must be whsec_
            '{"url": "http://127.0.0.1/hook", "secret": "whsec_c2hvcnQ="}' | webhook.secret | 24 to 64 random bytes
            '{"url": "http://127.0.0.1/hook", "secret": 12345678}' | webhook.secret | must be a string
            """)
    void refusesABadWebhookNamingTheField(String webhook, String field, String reason) {
        int before = api.get("/api/v1/jobs").json().get("total").asInt();

        Response response = api.post("/api/v1/jobs", "application/json",
                "{\"urls\": [\"" + origin.url("/never.bin") + "\"], \"webhook\": " + webhook + "}", Map.of());

        assertThat(response.status()).as(response.body()).isEqualTo(400);
        assertThat(response.header("Content-Type")).startsWith("application/problem+json");
        assertThat(response.json().get("errors")).singleElement().satisfies(error -> {
            assertThat(error.get("field").asString()).isEqualTo(field);
            assertThat(error.get("reason").asString()).contains(reason);
        });
        assertThat(response.body()).doesNotContain("s3cr3t").doesNotContain("c2hvcnQ").doesNotContain("12345678")
                .doesNotContain("YS0zMi1ieXRl");
        assertThat(api.get("/api/v1/jobs").json().get("total").asInt()).as("nothing stored").isEqualTo(before);
    }

    @Test
    void aRefusedUrlIsShownWithItsPasswordMasked() {
        Response response = api.post("/api/v1/jobs", "application/json", "{\"urls\": [\"" + origin.url("/x")
                + "\"], \"webhook\": {\"url\": \"gopher://hook:Pa55@127.0.0.1/\"}}", Map.of());

        assertThat(response.status()).as(response.body()).isEqualTo(400);
        JsonNode error = response.json().get("errors").get(0);
        assertThat(error.get("field").asString()).isEqualTo("webhook.url");
        assertThat(error.get("url").asString()).isEqualTo("gopher://hook:***@127.0.0.1/");
        assertThat(response.body()).doesNotContain("Pa55");
    }

    @Test
    void theJobShowsItsWebhookWithoutTheSecretAndNoDeliveryBeforeItEnds() {
        String url = receiver.url("/shown").replace("http://", "http://hook:Pa55@");

        Response submitted = api.post("/api/v1/jobs", "application/json", "{\"urls\": [\"" + origin.url("/x")
                + "\"], \"paused\": true, \"webhook\": " + webhook(url, SECRET) + "}", Map.of());

        assertThat(submitted.status()).as(submitted.body()).isEqualTo(202);
        String id = submitted.json().get("id").asString();
        for (Response response : new Response[] {submitted, api.get("/api/v1/jobs/" + id),
                api.get("/api/v1/jobs?limit=1000")}) {
            assertThat(response.body()).doesNotContain(SECRET.substring("whsec_".length())).doesNotContain("Pa55");
        }
        JsonNode webhook = api.job(id).get("webhook");
        assertThat(webhook.get("url").asString()).isEqualTo(url.replace("Pa55", "***"));
        assertThat(webhook.get("state").isNull()).as(webhook.toString()).isTrue();
        assertThat(webhook.get("attempts").asInt()).isZero();
        assertThat(webhook.has("secret")).isFalse();
        assertThat(receiver.received()).isEmpty();

        api.delete("/api/v1/jobs/" + id);
        awaitDelivery(id, "DELIVERED");
    }

    @Test
    void aJobWithoutWebhookShowsNull() {
        String id = api.submitJson("{\"urls\": [\"" + origin.url("/x") + "\"], \"paused\": true, \"webhook\": null}");

        assertThat(api.job(id).get("webhook").isNull()).isTrue();
        api.delete("/api/v1/jobs/" + id);
    }

    @Test
    void theIdempotencyKeyCoversTheWebhook() {
        String body = "{\"urls\": [\"" + origin.url("/x") + "\"], \"paused\": true, \"webhook\": %s}";
        Map<String, String> key = Map.of("Idempotency-Key", "webhook-" + System.nanoTime());

        Response first = api.post("/api/v1/jobs", "application/json",
                body.formatted(webhook(receiver.url("/one"), SECRET)), key);
        Response again = api.post("/api/v1/jobs", "application/json",
                body.formatted(webhook(receiver.url("/one"), SECRET)), key);
        Response otherUrl = api.post("/api/v1/jobs", "application/json",
                body.formatted(webhook(receiver.url("/two"), SECRET)), key);
        Response otherSecret = api.post("/api/v1/jobs", "application/json",
                body.formatted(webhook(receiver.url("/one"), "whsec_" + "QUJD".repeat(8))), key);

        assertThat(first.status()).isEqualTo(202);
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.json().get("id").asString()).isEqualTo(first.json().get("id").asString());
        assertThat(otherUrl.status()).as(otherUrl.body()).isEqualTo(422);
        assertThat(otherSecret.status()).as(otherSecret.body()).isEqualTo(422);
        api.delete("/api/v1/jobs/" + first.json().get("id").asString());
        awaitDelivery(first.json().get("id").asString(), "DELIVERED");
    }
}
