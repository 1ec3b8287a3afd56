package io.fetchline.webhook;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The {@code webhook-signature} of the Standard Webhooks specification: {@code v1,} then the base64 of the
 * HMAC-SHA256 of {@code {webhook-id}.{webhook-timestamp}.{body}}.
 */
final class Signature {

    private static final String HMAC = "HmacSHA256";

    private Signature() {
    }

    static String of(byte[] key, String id, long timestamp, String body) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(new SecretKeySpec(key, HMAC));
            byte[] digest = mac.doFinal((id + "." + timestamp + "." + body).getBytes(StandardCharsets.UTF_8));
            return "v1," + Base64.getEncoder().encodeToString(digest);
        } catch (GeneralSecurityException ex) {
            throw new IllegalStateException("HMAC-SHA256 is part of every Java runtime", ex);
        }
    }
}
