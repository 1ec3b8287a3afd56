package io.fetchline.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.TestPropertySource;

import io.fetchline.FetchlineTest;
import io.fetchline.origin.TestAuthority;
import io.fetchline.origin.TestOrigin;
import io.fetchline.security.FakeDns;
import tools.jackson.databind.JsonNode;

/**
 * The address policy decides for https origins as for http ones, before any handshake: with only public addresses
 * allowed, an https origin on loopback is refused whether named by address or by a name that resolves there. The
 * settings are AddressPolicyIntegrationTests', so both share one running service.
 */
@TestPropertySource(properties = "fetchline.fetch.allowed-networks=")
@Import(FakeDns.class)
class HttpsAddressPolicyTests extends FetchlineTest {

    static TestOrigin tls;

    @BeforeAll
    static void startHttpsOrigin() {
        tls = TestOrigin.startHttps(TestAuthority.create("Loopback CA").serverContext("127.0.0.1",
                "files.example.com"));
    }

    @AfterAll
    static void stopHttpsOrigin() {
        tls.close();
    }

    @Test
    void refusesAnHttpsOriginOnLoopbackBeforeTheHandshake() {
        tls.file("/inside.bin", 1000, 1);

        String id = api.submit(List.of(tls.url("/inside.bin"),
                "https://files.example.com:" + tls.port() + "/inside.bin"));

        api.awaitState(id, "FAILED", Duration.ofSeconds(30));
        for (JsonNode item : api.items(id, "").get("items")) {
            assertThat(item.get("error").get("code").asString()).as(item.toString()).isEqualTo("BLOCKED_ADDRESS");
            assertThat(item.get("error").get("message").asString()).contains("resolves to 127.0.0.1 (loopback)");
            assertThat(item.get("attempts").asInt()).isEqualTo(1);
        }
        assertThat(tls.tlsConnections()).isZero();
        assertThat(tls.requests()).isEmpty();
    }
}
