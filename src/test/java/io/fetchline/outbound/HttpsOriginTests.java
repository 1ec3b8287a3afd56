package io.fetchline.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

import io.fetchline.FetchlineTest;
import io.fetchline.origin.TestAuthority;
import io.fetchline.origin.TestOrigin;
import tools.jackson.databind.JsonNode;

/**
 * https origins verified against the JVM's certificate authorities plus a private one given as a Spring SSL bundle,
 * made at test time; every failure to verify is {@code TLS}, tried once.
 */
@TestPropertySource(properties = "fetchline.fetch.ssl-bundle=origins")
class HttpsOriginTests extends FetchlineTest {

    static final TestAuthority AUTHORITY = TestAuthority.create("Fetchline Test CA");

    static TestOrigin trusted;
    static TestOrigin strangers;
    static TestOrigin elsewhere;

    @DynamicPropertySource
    static void bundle(DynamicPropertyRegistry registry) throws IOException {
        Path pem = AUTHORITY.writePem(Files.createTempDirectory("fetchline-ca-").resolve("ca.pem"));
        registry.add("spring.ssl.bundle.pem.origins.truststore.certificate", () -> "file:" + pem);
    }

    @BeforeAll
    static void startHttpsOrigins() {
        trusted = TestOrigin.startHttps(AUTHORITY.serverContext("localhost", "127.0.0.1"));
        strangers = TestOrigin.startHttps(TestAuthority.create("Unknown CA").serverContext("127.0.0.1"));
        elsewhere = TestOrigin.startHttps(AUTHORITY.serverContext("elsewhere.test"));
    }

    @AfterAll
    static void stopHttpsOrigins() {
        trusted.close();
        strangers.close();
        elsewhere.close();
    }

    @Test
    void downloadsFromAnOriginWhoseAuthorityComesFromTheBundle() throws IOException {
        byte[] data = trusted.file("/tls.bin", 300_000, 7);

        String id = api.submit(List.of(trusted.url("/tls.bin")));

        api.awaitState(id, "SUCCEEDED", Duration.ofSeconds(30));
        JsonNode item = api.item(id, 0);
        assertThat(item.get("sha256").asString()).isEqualTo(TestOrigin.sha256(data));
        assertThat(item.get("attempts").asInt()).isEqualTo(1);
        assertThat(Files.readAllBytes(jobFolder(id).resolve("tls.bin"))).isEqualTo(data);
        assertThat(trusted.requests("/tls.bin")).hasSize(1);
    }

    @Test
    void refusesAnOriginSignedByAnUnknownAuthorityWithoutRetrying() {
        strangers.file("/untrusted.bin", 1000, 1);

        String id = api.submit(List.of(strangers.url("/untrusted.bin")));

        JsonNode item = failedItem(id);
        assertThat(item.get("error").get("code").asString()).isEqualTo("TLS");
        assertThat(item.get("error").get("message").asString())
                .startsWith("the certificate of 127.0.0.1 is not trusted")
                .contains("fetchline.fetch.ssl-bundle");
        assertThat(item.get("attempts").asInt()).isEqualTo(1);
        assertThat(item.get("httpStatus").isNull()).isTrue();
        assertThat(strangers.tlsConnections()).isEqualTo(1);
        assertThat(strangers.requests()).isEmpty();
    }

    @Test
    void refusesACertificateIssuedForAnotherName() {
        elsewhere.file("/other-name.bin", 1000, 1);

        String id = api.submit(List.of(elsewhere.url("/other-name.bin")));

        JsonNode item = failedItem(id);
        assertThat(item.get("error").get("code").asString()).isEqualTo("TLS");
        assertThat(item.get("error").get("message").asString())
                .startsWith("the certificate of 127.0.0.1 is not valid for that name");
        assertThat(item.get("attempts").asInt()).isEqualTo(1);
        assertThat(elsewhere.tlsConnections()).isEqualTo(1);
        assertThat(elsewhere.requests()).isEmpty();
    }

    /** As nginx or Apache answer a ClientHello on a plain port: with a 400 in plain text, which is no TLS record. */
    @Test
    void failsTheHandshakeWithAnOriginThatOnlySpeaksPlainHttp() throws IOException {
        try (ServerSocket plain = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            AtomicInteger connections = new AtomicInteger();
            Thread server = new Thread(() -> answerInPlainText(plain, connections), "plain-http-origin");
            server.setDaemon(true);
            server.start();

            String id = api.submit(List.of("https://127.0.0.1:" + plain.getLocalPort() + "/plain.bin"));

            JsonNode item = failedItem(id);
            assertThat(item.get("error").get("code").asString()).isEqualTo("TLS");
            assertThat(item.get("error").get("message").asString())
                    .startsWith("TLS handshake with 127.0.0.1 failed: Unsupported or unrecognized SSL message");
            assertThat(item.get("attempts").asInt()).isEqualTo(1);
            assertThat(connections.get()).isEqualTo(1);
        }
    }

    private static void answerInPlainText(ServerSocket plain, AtomicInteger connections) {
        while (!plain.isClosed()) {
            try (Socket socket = plain.accept()) {
                connections.incrementAndGet();
                socket.getInputStream().read(new byte[512]);
                socket.getOutputStream().write(("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n"
                        + "Connection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            } catch (IOException ex) {
                // Closed by the test, or the client went away: either way the next accept decides.
            }
        }
    }

    private JsonNode failedItem(String id) {
        api.awaitState(id, "FAILED", Duration.ofSeconds(30));
        return api.item(id, 0);
    }
}
