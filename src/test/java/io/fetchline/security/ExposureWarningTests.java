package io.fetchline.security;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.mock.env.MockEnvironment;

@ExtendWith(OutputCaptureExtension.class)
class ExposureWarningTests {

    @ParameterizedTest
    @ValueSource(strings = {"0.0.0.0", "::", "192.168.1.20", "10.0.0.5"})
    void warnsWhenListeningBeyondLoopbackWithoutAKey(String address, CapturedOutput output) {
        assertThat(warning(address, false).check(8080)).isTrue();

        assertThat(output.getOut()).contains("WARN").contains("port 8080 without an API key")
                .contains("fetchline.security.api-keys");
    }

    @Test
    void warnsWhenListeningOnAllInterfacesBecauseNoAddressIsSet(CapturedOutput output) {
        assertThat(new ExposureWarning(new MockEnvironment(), false).check(8080)).isTrue();

        assertThat(output.getOut()).contains("Listening on all interfaces port 8080 without an API key");
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "127.0.0.2", "::1", "localhost"})
    void staysQuietOnLoopback(String address, CapturedOutput output) {
        assertThat(warning(address, false).check(8080)).isFalse();

        assertThat(output.getOut()).doesNotContain("without an API key");
    }

    @Test
    void staysQuietWhenAKeyIsSet(CapturedOutput output) {
        assertThat(warning("0.0.0.0", true).check(8080)).isFalse();

        assertThat(output.getOut()).doesNotContain("without an API key");
    }

    private static ExposureWarning warning(String address, boolean apiKeysSet) {
        return new ExposureWarning(new MockEnvironment().withProperty("server.address", address), apiKeysSet);
    }
}
