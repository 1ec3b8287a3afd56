package io.fetchline.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import io.fetchline.job.Webhook;

class SignatureTests {

    /** The test vector the Standard Webhooks libraries all check themselves against. */
    @Test
    void signsTheStandardWebhooksTestVector() {
        Webhook webhook = new Webhook("https://hooks.example.org/", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");

        String signature = Signature.of(webhook.key(), "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
                "{\"test\": 2432232314}");

        assertThat(signature).isEqualTo("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    @Test
    void aWebhookNeverPrintsItsSecret() {
        Webhook webhook = new Webhook("https://user:Pa55@hooks.example.org/", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");

        assertThat(webhook.toString()).doesNotContain("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").doesNotContain("Pa55");
    }
}
