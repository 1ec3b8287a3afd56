package io.fetchline.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.core.Authentication;

class ApiKeysTests {

    private final ApiKeys keys = new ApiKeys(List.of("alpha-key-1", " beta-key-22 ", ""));

    @Test
    void namesTheCallerAfterThePositionOfItsKey() {
        Authentication first = keys.authenticate(ApiKeyAuthentication.presented("alpha-key-1"));
        Authentication second = keys.authenticate(ApiKeyAuthentication.presented("beta-key-22"));

        assertThat(first.isAuthenticated()).isTrue();
        assertThat(first.getName()).isEqualTo("api-key-1");
        assertThat(second.getName()).isEqualTo("api-key-2");
        assertThat(second.getCredentials()).isNull();
        assertThat(second.toString()).doesNotContain("beta-key-22");
    }

    @ParameterizedTest
    @ValueSource(strings = {"alpha-key-", "alpha-key-11", "ALPHA-KEY-1", " alpha-key-1x", "beta-key-2", "beta-key-22 x",
            "alpha-key-1beta-key-22", "x"})
    void refusesAnythingButAnExactKey(String presented) {
        assertThatExceptionOfType(BadCredentialsException.class)
                .isThrownBy(() -> keys.authenticate(ApiKeyAuthentication.presented(presented)))
                .withMessage("the API key is not valid");
    }

    @Test
    void neverShowsAPresentedKey() {
        ApiKeyAuthentication presented = ApiKeyAuthentication.presented("alpha-key-1");

        assertThat(presented.toString()).doesNotContain("alpha-key-1");
        presented.eraseCredentials();
        assertThat(presented.getCredentials()).isNull();
    }

    @Test
    void blankEntriesAreNoKeys() {
        assertThat(new ApiKeys(List.of()).isEmpty()).isTrue();
        assertThat(new ApiKeys(List.of("", "  ")).isEmpty()).isTrue();
        assertThat(keys.isEmpty()).isFalse();
        assertThatExceptionOfType(BadCredentialsException.class)
                .isThrownBy(() -> new ApiKeys(List.of(" ")).authenticate(ApiKeyAuthentication.presented("")));
    }
}
