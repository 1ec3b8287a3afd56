package io.fetchline.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.util.unit.DataSize;

import io.fetchline.config.FetchlineProperties;

/** What an attempt says when the proxy itself cannot be reached; the item-level proxy cases are in ProxyTests. */
class OriginClientProxyTests {

    private static final FetchlineProperties.Fetch CONFIG = new FetchlineProperties.Fetch(List.of("127.0.0.0/8"),
            Duration.ofSeconds(2), Duration.ofSeconds(5), 5, Duration.ofSeconds(1), Duration.ofSeconds(60), 10, null,
            8, null, null, null, null, 1, DataSize.ofMegabytes(16));

    @Test
    void aProxyThatRefusesConnectionsIsAConnectionFailureNamingTheProxyButNotItsPassword() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        PolicyDnsResolver resolver = new PolicyDnsResolver(new AddressPolicy(List.of("127.0.0.0/8")));
        OriginProxies proxies = OriginProxies.of("http://alice:s3cret@127.0.0.1:" + closedPort, null, Map.of());

        try (OriginClient client = new OriginClient(CONFIG, 2,
                new OriginConnections(resolver, proxies, OriginTrust.jvmDefaults()))) {
            FetchFailure failure = catchThrowableOfType(FetchFailure.class,
                    () -> client.open(URI.create("https://127.0.0.1:9/file.bin"), 0, null, new Cancellation()));

            assertThat(failure.code()).isEqualTo(ErrorCode.CONNECTION);
            assertThat(failure.getMessage())
                    .startsWith("cannot connect to proxy http://alice:***@127.0.0.1:" + closedPort
                            + " (from fetchline.fetch.proxy): cannot connect: ")
                    .contains("Connection refused")
                    .doesNotContain("s3cret");
        }
    }
}
