package io.fetchline.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

import io.fetchline.FetchlineTest;
import io.fetchline.origin.TestAuthority;
import io.fetchline.origin.TestOrigin;
import io.fetchline.origin.TestProxy;
import tools.jackson.databind.JsonNode;

/**
 * Downloads through a real forward proxy that records what reaches it. The proxy listens on 127.0.0.2, which the
 * address policy would refuse ({@code allowed-networks} is 127.0.0.1 alone), so every download through it also shows
 * that the proxy's own address is not the policy's business. Names resolve through {@link ProxyDns}.
 */
@TestPropertySource(properties = {
        "fetchline.fetch.allowed-networks=127.0.0.1/32",
        "fetchline.fetch.no-proxy=.direct.test, 127.0.0.0/8",
        "fetchline.fetch.ssl-bundle=proxied",
        "management.endpoints.web.exposure.include=health,info,prometheus,env,configprops",
        "management.endpoint.env.show-values=always",
        "management.endpoint.configprops.show-values=always"})
@Import(ProxyDns.class)
@ExtendWith(OutputCaptureExtension.class)
class ProxyTests extends FetchlineTest {

    static final String USER = "fetchline";
    static final String PASSWORD = "pr0xy-s3cret";
    static final TestAuthority AUTHORITY = TestAuthority.create("Proxied Test CA");
    static final TestProxy PROXY = TestProxy.start(address("127.0.0.2"),
            Map.of("origin.test", ProxyDns.address("origin.test")));

    static TestOrigin tls;

    @DynamicPropertySource
    static void proxy(DynamicPropertyRegistry registry) throws IOException {
        registry.add("fetchline.fetch.proxy", () -> PROXY.url(USER, PASSWORD));
        Path pem = AUTHORITY.writePem(Files.createTempDirectory("fetchline-ca-").resolve("ca.pem"));
        registry.add("spring.ssl.bundle.pem.proxied.truststore.certificate", () -> "file:" + pem);
    }

    @BeforeAll
    static void startTlsOrigin() {
        tls = TestOrigin.startHttps(AUTHORITY.serverContext("origin.test"));
        PROXY.requireCredentials(USER, PASSWORD);
    }

    @AfterAll
    static void stopTlsOriginAndProxy() {
        tls.close();
        PROXY.close();
    }

    @AfterEach
    void restoreCredentials() {
        PROXY.requireCredentials(USER, PASSWORD);
    }

    @Test
    void sendsHttpUrlsToTheProxyInAbsoluteFormWithItsCredentials() throws IOException {
        byte[] data = origin.file("/via-proxy.bin", 200_000, 3);
        String url = "http://origin.test:" + origin.port() + "/via-proxy.bin";

        String id = api.submit(List.of(url));

        api.awaitState(id, "SUCCEEDED", Duration.ofSeconds(30));
        assertThat(api.item(id, 0).get("sha256").asString()).isEqualTo(TestOrigin.sha256(data));
        assertThat(Files.readAllBytes(jobFolder(id).resolve("via-proxy.bin"))).isEqualTo(data);
        TestProxy.Seen seen = seen("GET " + url + " HTTP/1.1");
        assertThat(seen.header("Proxy-Authorization")).isEqualTo(basic(USER, PASSWORD));
        assertThat(origin.requests("/via-proxy.bin")).singleElement()
                .satisfies(request -> assertThat(request.header("Proxy-Authorization")).isNull());
    }

    /** The second job finds the tunnel of the first open, and must not take that for a refused CONNECT. */
    @Test
    void tunnelsHttpsUrlsThroughConnectAndVerifiesTheOriginBeyondIt() {
        byte[] data = tls.file("/tunnelled.bin", 150_000, 4);
        byte[] more = tls.file("/tunnelled-again.bin", 1_000, 5);

        String id = api.submit(List.of("https://origin.test:" + tls.port() + "/tunnelled.bin"));
        api.awaitState(id, "SUCCEEDED", Duration.ofSeconds(30));
        String again = api.submit(List.of("https://origin.test:" + tls.port() + "/tunnelled-again.bin"));
        api.awaitState(again, "SUCCEEDED", Duration.ofSeconds(30));

        assertThat(api.item(id, 0).get("sha256").asString()).isEqualTo(TestOrigin.sha256(data));
        assertThat(api.item(again, 0).get("sha256").asString()).isEqualTo(TestOrigin.sha256(more));
        TestProxy.Seen connect = seen("CONNECT origin.test:" + tls.port() + " HTTP/1.1");
        assertThat(connect.header("Proxy-Authorization")).isEqualTo(basic(USER, PASSWORD));
        assertThat(tls.requests("/tunnelled.bin")).hasSize(1);
        assertThat(PROXY.requests()).noneMatch(seen -> seen.target().contains("tunnelled"));
    }

    @Test
    void reachesNoProxyNamesAndNetworksDirectly() {
        byte[] byName = origin.file("/direct-by-name.bin", 10_000, 5);
        byte[] byNetwork = origin.file("/direct-by-network.bin", 10_000, 6);
        int proxyConnections = PROXY.connections();

        String id = api.submit(List.of("http://mirror.direct.test:" + origin.port() + "/direct-by-name.bin",
                "http://127.0.0.1:" + origin.port() + "/direct-by-network.bin"));

        api.awaitState(id, "SUCCEEDED", Duration.ofSeconds(30));
        assertThat(api.item(id, 0).get("sha256").asString()).isEqualTo(TestOrigin.sha256(byName));
        assertThat(api.item(id, 1).get("sha256").asString()).isEqualTo(TestOrigin.sha256(byNetwork));
        assertThat(PROXY.connections()).isEqualTo(proxyConnections);
        assertThat(PROXY.requests()).noneMatch(seen -> seen.target().contains("/direct-by-"));
    }

    @Test
    void refusesAnOriginThatResolvesToABlockedAddressBeforeAskingTheProxy() {
        int proxyConnections = PROXY.connections();

        String id = api.submit(List.of("http://internal.test:" + origin.port() + "/secret.bin",
                "https://internal.test:" + tls.port() + "/secret.bin"));

        api.awaitState(id, "FAILED", Duration.ofSeconds(30));
        for (JsonNode item : api.items(id, "").get("items")) {
            assertThat(item.get("error").get("code").asString()).as(item.toString()).isEqualTo("BLOCKED_ADDRESS");
            assertThat(item.get("error").get("message").asString())
                    .startsWith("internal.test resolves to 10.0.0.7 (private), which is not allowed");
            assertThat(item.get("attempts").asInt()).isEqualTo(1);
        }
        assertThat(PROXY.connections()).isEqualTo(proxyConnections);
        assertThat(PROXY.requests()).noneMatch(seen -> seen.target().contains("internal.test"));
    }

    /** A fresh https origin, since a tunnel already open to another would be reused without a new CONNECT. */
    @Test
    void reportsAProxyThatRefusesTheCredentialsWithoutShowingThem(CapturedOutput output) {
        PROXY.requireCredentials(USER, "another-password");
        try (TestOrigin fresh = TestOrigin.startHttps(AUTHORITY.serverContext("origin.test"))) {
            fresh.file("/refused.bin", 1000, 7);
            origin.file("/refused.bin", 1000, 7);

            String id = api.submit(List.of("https://origin.test:" + fresh.port() + "/refused.bin",
                    "http://origin.test:" + origin.port() + "/refused.bin"));

            api.awaitState(id, "FAILED", Duration.ofSeconds(30));
            assertRefusedByProxy(id, fresh, output);
        }
    }

    private void assertRefusedByProxy(String id, TestOrigin tls, CapturedOutput output) {
        String proxy = "proxy http://fetchline:***@127.0.0.2:" + PROXY.port();
        JsonNode tunnelled = api.item(id, 0);
        assertThat(tunnelled.get("error").get("code").asString()).isEqualTo("HTTP_STATUS");
        assertThat(tunnelled.get("httpStatus").asInt()).isEqualTo(407);
        assertThat(tunnelled.get("error").get("message").asString()).isEqualTo(proxy + " refused CONNECT to "
                + "origin.test:" + tls.port() + ": 407 Proxy Authentication Required; check the user and password of"
                + " the proxy in fetchline.fetch.proxy");
        assertThat(tunnelled.get("attempts").asInt()).isEqualTo(1);
        JsonNode plain = api.item(id, 1);
        assertThat(plain.get("error").get("message").asString()).isEqualTo(proxy
                + " answered: 407 Proxy Authentication Required; check the user and password of the proxy in"
                + " fetchline.fetch.proxy");
        assertThat(plain.get("attempts").asInt()).isEqualTo(1);
        assertThat(tls.requests("/refused.bin")).isEmpty();
        assertThat(origin.requests("/refused.bin")).isEmpty();
        assertThat(output.getAll()).contains("Downloads go every URL through " + proxy.substring(6)
                + " (from fetchline.fetch.proxy)").contains(proxy).doesNotContain(PASSWORD);
        assertThat(api.get("/api/v1/jobs/" + id).body() + api.get("/api/v1/jobs/" + id + "/items").body())
                .doesNotContain(PASSWORD);
    }

    @Test
    void retriesAProxyThatCannotReachTheOrigin() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }

        String id = api.submit(List.of("https://origin.test:" + closedPort + "/nowhere.bin"));

        api.awaitState(id, "FAILED", Duration.ofSeconds(30));
        JsonNode item = api.item(id, 0);
        assertThat(item.get("error").get("code").asString()).isEqualTo("HTTP_STATUS");
        assertThat(item.get("httpStatus").asInt()).isEqualTo(502);
        assertThat(item.get("error").get("message").asString()).endsWith(" refused CONNECT to origin.test:"
                + closedPort + ": 502 Bad Gateway after 5 attempts");
        assertThat(item.get("attempts").asInt()).isEqualTo(5);
        assertThat(PROXY.requests()).filteredOn(seen -> seen.target().equals("origin.test:" + closedPort)).hasSize(5);
    }

    @Test
    void masksTheProxyPasswordInTheActuatorsViewOfTheSettings() {
        String configprops = api.get("/actuator/configprops").body();
        String env = api.get("/actuator/env").body();

        assertThat(configprops).contains("http://fetchline:***@127.0.0.2:" + PROXY.port())
                .doesNotContain(PASSWORD);
        assertThat(env).contains("http://fetchline:***@127.0.0.2:" + PROXY.port()).doesNotContain(PASSWORD);
    }

    private static TestProxy.Seen seen(String requestLine) {
        return PROXY.requests().stream().filter(seen -> seen.requestLine().equals(requestLine)).findFirst()
                .orElseThrow(() -> new AssertionError("the proxy never saw " + requestLine + "; it saw "
                        + PROXY.requests().stream().map(TestProxy.Seen::requestLine).toList()));
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException ex) {
            throw new IllegalStateException(ex);
        }
    }
}
