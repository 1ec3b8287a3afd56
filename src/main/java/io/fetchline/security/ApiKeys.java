package io.fetchline.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

import org.jspecify.annotations.Nullable;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.core.Authentication;

import jakarta.servlet.http.HttpServletRequest;

/** The configured API keys ({@code fetchline.security.api-keys}), and whether a presented key is one of them. */
final class ApiKeys implements AuthenticationProvider {

    private static final String BEARER = "Bearer";

    private final List<byte[]> digests;

    ApiKeys(List<String> keys) {
        this.digests = keys.stream().map(String::strip).filter(key -> !key.isEmpty()).map(ApiKeys::sha256).toList();
    }

    boolean isEmpty() {
        return digests.isEmpty();
    }

    /**
     * @return an authentication named after the key's position ({@code api-key-2}), never after the key itself
     * @throws BadCredentialsException when the key is not configured
     */
    @Override
    public Authentication authenticate(Authentication authentication) {
        String presented = String.valueOf(authentication.getCredentials());
        // Digests make every comparison 32 bytes long, so neither the content nor the length of a key shows in
        // the timing; and every key is compared, so neither does which one matched.
        byte[] digest = sha256(presented);
        int match = -1;
        for (int i = 0; i < digests.size(); i++) {
            if (MessageDigest.isEqual(digests.get(i), digest)) {
                match = i;
            }
        }
        if (match < 0) {
            throw new BadCredentialsException("the API key is not valid");
        }
        return ApiKeyAuthentication.authenticated("api-key-" + (match + 1));
    }

    @Override
    public boolean supports(Class<?> authentication) {
        return ApiKeyAuthentication.class.isAssignableFrom(authentication);
    }

    /**
     * Reads {@code Authorization: Bearer <key>}.
     *
     * @return null when the request sends no bearer credentials at all, which is answered as "missing"
     * @throws BadCredentialsException when the bearer value is empty
     */
    static @Nullable Authentication fromRequest(HttpServletRequest request) {
        String header = request.getHeader("Authorization");
        String value = header == null ? "" : header.strip();
        // The scheme is case-insensitive (RFC 9110), and must be a word of its own: "Bearerxyz" is no bearer key.
        boolean bearer = value.regionMatches(true, 0, BEARER, 0, BEARER.length())
                && (value.length() == BEARER.length() || Character.isWhitespace(value.charAt(BEARER.length())));
        if (!bearer) {
            return null;
        }
        String key = value.substring(BEARER.length()).strip();
        if (key.isEmpty()) {
            throw new BadCredentialsException("the API key is empty");
        }
        return ApiKeyAuthentication.presented(key);
    }

    private static byte[] sha256(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException("every JVM has SHA-256", ex);
        }
    }
}
