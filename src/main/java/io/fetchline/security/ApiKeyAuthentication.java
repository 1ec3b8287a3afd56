package io.fetchline.security;

import java.util.List;

import org.jspecify.annotations.Nullable;
import org.springframework.security.authentication.AbstractAuthenticationToken;

/**
 * A key as presented by a request, or, once checked, the caller it stands for. The name is the key's position
 * ({@code api-key-1}), so whatever logs or prints an authentication shows which key was used but never the key.
 */
final class ApiKeyAuthentication extends AbstractAuthenticationToken {

    private static final long serialVersionUID = 1L;

    private final String name;

    private @Nullable String key;

    private ApiKeyAuthentication(String name, @Nullable String key, boolean authenticated) {
        super(List.of());
        this.name = name;
        this.key = key;
        setAuthenticated(authenticated);
    }

    static ApiKeyAuthentication presented(String key) {
        return new ApiKeyAuthentication("unchecked API key", key, false);
    }

    static ApiKeyAuthentication authenticated(String name) {
        return new ApiKeyAuthentication(name, null, true);
    }

    @Override
    public @Nullable Object getCredentials() {
        return key;
    }

    @Override
    public Object getPrincipal() {
        return name;
    }

    @Override
    public void eraseCredentials() {
        key = null;
    }
}
