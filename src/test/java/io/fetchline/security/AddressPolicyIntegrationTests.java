package io.fetchline.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.TestPropertySource;

import io.fetchline.FetchlineClient.Response;
import io.fetchline.FetchlineTest;
import tools.jackson.databind.JsonNode;

/**
 * The address policy as the running service applies it, with nothing but public addresses allowed: the test origin
 * on 127.0.0.1 is there and answering, so any request that slipped through would show in its log.
 */
@TestPropertySource(properties = "fetchline.fetch.allowed-networks=")
@Import(FakeDns.class)
class AddressPolicyIntegrationTests extends FetchlineTest {

    @Test
    void refusesAPublicLookingNameThatResolvesToLoopback() {
        origin.file("/data.bin", 1000, 1);

        String id = api.submit(List.of("http://files.example.com:" + origin.port() + "/data.bin"));

        api.awaitState(id, "FAILED", Duration.ofSeconds(30));
        JsonNode item = api.item(id, 0);
        assertThat(item.get("error").get("code").asString()).isEqualTo("BLOCKED_ADDRESS");
        assertThat(item.get("error").get("message").asString())
                .contains("files.example.com resolves to 127.0.0.1 (loopback)")
                .contains("fetchline.fetch.allowed-networks");
        assertThat(item.get("attempts").asInt()).isEqualTo(1);
        assertThat(item.get("file").isNull()).isTrue();
        assertThat(origin.requests()).isEmpty();
        assertThat(jobFolder(id)).doesNotExist();
    }

    /**
     * Every spelling that reaches the pipeline fails with BLOCKED_ADDRESS without a byte reaching the origin; the
     * ones java.net.URI cannot find a host in are refused earlier, by the submission itself (next test).
     */
    @Test
    void refusesInternalAddressesHoweverTheyAreSpelled() {
        int port = origin.port();
        List<String> hosts = List.of(
                "127.0.0.1", "2130706433", "0177.0.0.1", "017700000001", "0x7f000001", "0", "0.0.0.0",
                "[::ffff:127.0.0.1]", "[0:0:0:0:0:ffff:7f00:1]", "[::127.0.0.1]", "[::1]", "[64:ff9b::7f00:1]",
                "[2002:7f00:1::1]", "localhost", "LocalHost", "metadata.example.com", "internal.example.com",
                "rebind.example.com", "169.254.169.254", "10.0.0.1", "100.64.0.1", "[fd00::1]", "[fe80::1]",
                "224.0.0.1", "255.255.255.255");
        List<String> urls = new ArrayList<>();
        for (String host : hosts) {
            urls.add("http://" + host + ":" + port + "/odd");
        }

        String id = api.submit(urls);

        api.awaitState(id, "FAILED", Duration.ofSeconds(60));
        JsonNode items = api.items(id, "?limit=1000").get("items");
        assertThat(items).hasSize(hosts.size());
        for (JsonNode item : items) {
            assertThat(item.get("error").get("code").asString()).as(item.toString()).isEqualTo("BLOCKED_ADDRESS");
            assertThat(item.get("attempts").asInt()).as(item.toString()).isEqualTo(1);
        }
        assertThat(origin.requests()).isEmpty();
    }

    @Test
    void refusesAtSubmissionWhatHasNoValidHost() {
        int port = origin.port();
        String body = String.join("\n", "http://0x7f.1:" + port + "/odd", "http://127.1:" + port + "/odd",
                "http://127.0.0.1.:" + port + "/odd", "http://user:pass@:" + port + "/odd");

        Response response = api.post("/api/v1/jobs", "text/uri-list", body, Map.of());

        assertThat(response.status()).as(response.body()).isEqualTo(400);
        JsonNode errors = response.json().get("errors");
        assertThat(errors).hasSize(4);
        for (JsonNode error : errors) {
            assertThat(error.get("reason").asString()).isEqualTo("URL has no valid host");
        }
        assertThat(response.body()).doesNotContain("pass@");
        assertThat(origin.requests()).isEmpty();
    }
}
