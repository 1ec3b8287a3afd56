package io.fetchline.job;

import java.util.Base64;
import java.util.Optional;

/**
 * Where a job's end is announced, and the secret that signs the announcement (Standard Webhooks: {@code whsec_}
 * and the base64 of the key), or null for unsigned ones.
 */
public record Webhook(String url, String secret) {

    private static final String SECRET_PREFIX = "whsec_";
    /** The Standard Webhooks specification asks for 24 to 64 random bytes (192 to 512 bits). */
    private static final int MIN_KEY_BYTES = 24;
    private static final int MAX_KEY_BYTES = 64;

    public Webhook {
        if (secret != null && secretProblem(secret).isPresent()) {
            throw new IllegalArgumentException("malformed webhook secret");
        }
    }

    /** Why a person's secret is refused, without repeating it; empty when it is a valid secret. */
    public static Optional<String> secretProblem(String secret) {
        String problem = "must be " + SECRET_PREFIX + " followed by the base64 of " + MIN_KEY_BYTES + " to "
                + MAX_KEY_BYTES + " random bytes";
        if (!secret.startsWith(SECRET_PREFIX)) {
            return Optional.of(problem);
        }
        byte[] key;
        try {
            key = Base64.getDecoder().decode(secret.substring(SECRET_PREFIX.length()));
        } catch (IllegalArgumentException ex) {
            return Optional.of(problem);
        }
        return key.length < MIN_KEY_BYTES || key.length > MAX_KEY_BYTES ? Optional.of(problem) : Optional.empty();
    }

    /** The HMAC key: the base64-decoded part of the secret after {@code whsec_}; null without a secret. */
    public byte[] key() {
        return secret == null ? null : Base64.getDecoder().decode(secret.substring(SECRET_PREFIX.length()));
    }

    /** Neither the secret nor a password in the URL leaves in a log line or a message, whoever prints this. */
    @Override
    public String toString() {
        return "Webhook[url=***, secret=" + (secret == null ? "none" : "***") + "]";
    }
}
