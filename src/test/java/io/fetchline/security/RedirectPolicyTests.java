package io.fetchline.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fetchline.origin.TestOrigin;
import tools.jackson.databind.JsonNode;

/**
 * Only 127.0.0.1 is allowed here, so the origin itself may be fetched but a redirect to any other internal address
 * must be refused at that hop, before anything connects to it.
 */
class RedirectPolicyTests extends KeyedFetchlineTest {

    @Test
    void refusesARedirectToAnInternalAddressBeforeConnecting() {
        int port = origin.port();
        byte[] content = origin.file("/fine", 2000, 7);
        Map<String, String> hops = new LinkedHashMap<>();
        hops.put("/hop/loopback", "http://127.0.0.2:" + port + "/secret");
        hops.put("/hop/mapped", "http://[::ffff:127.0.0.2]:" + port + "/secret");
        hops.put("/hop/decimal", "http://2130706433:" + port + "/secret");
        hops.put("/hop/ipv6-loopback", "http://[::1]:" + port + "/secret");
        hops.put("/hop/private-name", "http://internal.example.com:" + port + "/secret");
        hops.put("/hop/metadata", "http://169.254.169.254/latest/meta-data/");
        // Resolves to 127.0.0.1 (allowed) and 127.0.0.2 (refused): a connection to the allowed one would reach the
        // origin, so only refusing the whole answer keeps /secret out of the origin's log.
        hops.put("/hop/rebind", "http://rebind.example.com:" + port + "/secret");
        hops.put("/hop/relative-to-refused", "//127.0.0.3:" + port + "/secret");
        hops.forEach((path, location) -> origin.route(path).redirect(302, location));
        // The control: a redirect to a name that resolves to the allowed address is followed.
        origin.route("/hop/allowed").redirect(307, "http://files.example.com:" + port + "/fine");

        StringBuilder items = new StringBuilder();
        for (String path : hops.keySet()) {
            items.append("{\"url\": \"").append(origin.url(path)).append("\"},");
        }
        items.append("{\"url\": \"").append(origin.url("/hop/allowed")).append("\"}");
        String id = api.submitJson("{\"items\": [" + items + "]}");

        api.awaitState(id, "FAILED", Duration.ofSeconds(30));
        List<JsonNode> results = api.items(id, "").get("items").valueStream().toList();
        for (int i = 0; i < hops.size(); i++) {
            JsonNode item = results.get(i);
            assertThat(item.get("state").asString()).as(item.toString()).isEqualTo("FAILED");
            assertThat(item.get("error").get("code").asString()).as(item.toString()).isEqualTo("BLOCKED_ADDRESS");
            assertThat(item.get("attempts").asInt()).isEqualTo(1);
        }
        assertThat(results.get(hops.size()).get("state").asString()).isEqualTo("SUCCEEDED");
        assertThat(results.get(hops.size()).get("sha256").asString()).isEqualTo(TestOrigin.sha256(content));
        assertThat(origin.requests("/secret")).isEmpty();
        for (String path : hops.keySet()) {
            assertThat(origin.requests(path)).as(path).hasSize(1);
        }
        assertThat(origin.requests("/fine")).hasSize(1);
    }

}
