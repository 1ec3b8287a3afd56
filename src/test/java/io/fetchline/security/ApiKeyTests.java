package io.fetchline.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ApplicationContext;
import org.springframework.security.core.userdetails.UserDetailsService;

import io.fetchline.FetchlineClient;
import io.fetchline.FetchlineClient.Response;

@ExtendWith(OutputCaptureExtension.class)
class ApiKeyTests extends KeyedFetchlineTest {

    private final List<Response> responses = new ArrayList<>();

    @Autowired
    ApplicationContext context;

    @Test
    void refusesARequestWithoutAKeyAsProblemDetailsAndStoresNothing() {
        long jobsBefore = api.get("/api/v1/jobs").json().get("total").asLong();

        Response response = record(anonymous().post("/api/v1/jobs", "text/uri-list", origin.url("/no-key") + "\n",
                Map.of()));

        assertUnauthorized(response, "/api/v1/jobs");
        assertThat(response.header("WWW-Authenticate")).isEqualTo("Bearer realm=\"fetchline\"");
        assertThat(response.json().get("detail").asString()).contains("Authorization: Bearer");
        assertThat(api.get("/api/v1/jobs").json().get("total").asLong()).isEqualTo(jobsBefore);
        assertThat(origin.requests("/no-key")).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"Bearer wrong-key", "Bearer " + KEY + "x", "Bearer " + "flk_3c1f6a0e9b27d54", "Bearer  ",
            "Bearer " + KEY + "," + OTHER_KEY})
    void refusesAWrongKey(String authorization) {
        Response response = record(anonymous().post("/api/v1/jobs", "text/uri-list", origin.url("/wrong-key") + "\n",
                Map.of("Authorization", authorization)));

        assertUnauthorized(response, "/api/v1/jobs");
        assertThat(response.header("WWW-Authenticate")).contains("error=\"invalid_token\"");
        assertThat(origin.requests("/wrong-key")).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"Basic ZmxrOmtleQ==", "Token " + KEY, KEY, "Bearer" + KEY})
    void treatsOtherSchemesAsNoKey(String authorization) {
        Response response = record(anonymous().post("/api/v1/jobs", "text/uri-list", origin.url("/other-scheme") + "\n",
                Map.of("Authorization", authorization)));

        assertUnauthorized(response, "/api/v1/jobs");
    }

    @Test
    void refusesEveryApiPathWithoutAKey() {
        String id = api.submit(List.of(origin.url("/refused-reads")));

        for (String path : List.of("/api/v1/jobs", "/api/v1/jobs/" + id, "/api/v1/jobs/" + id + "/items",
                "/api/v1/jobs/" + id + "/items/0", "/api/v1/jobs/not-a-uuid")) {
            assertUnauthorized(record(anonymous().get(path)), path);
        }
        assertUnauthorized(record(anonymous().delete("/api/v1/jobs/" + id)), "/api/v1/jobs/" + id);
        assertUnauthorized(record(anonymous().post("/api/v1/jobs/" + id + "/retry", null, "", Map.of())),
                "/api/v1/jobs/" + id + "/retry");
        api.awaitFinished(id, Duration.ofSeconds(30));
    }

    @Test
    void acceptsEachConfiguredKey(CapturedOutput output) {
        String first = api.submit(List.of(origin.url("/with-first-key")));
        FetchlineClient other = new FetchlineClient(port).withApiKey(OTHER_KEY);
        Response second = record(other.post("/api/v1/jobs", "text/uri-list", origin.url("/with-second-key") + "\n",
                Map.of()));
        Response lowerCase = record(anonymous().post("/api/v1/jobs", "text/uri-list",
                origin.url("/with-lower-case") + "\n", Map.of("Authorization", "bearer " + KEY)));

        assertThat(second.status()).as(second.body()).isEqualTo(202);
        assertThat(lowerCase.status()).as(lowerCase.body()).isEqualTo(202);
        assertThat(second.header("Set-Cookie")).isNull();
        for (String id : List.of(first, second.json().get("id").asString(), lowerCase.json().get("id").asString())) {
            record(other.get("/api/v1/jobs/" + id));
            assertThat(api.awaitFinished(id, Duration.ofSeconds(30)).get("state").asString()).isEqualTo("FAILED");
        }
        for (String path : List.of("/with-first-key", "/with-second-key", "/with-lower-case")) {
            assertThat(origin.requests(path)).as("fetched once").hasSize(1);
        }
        assertThat(output.getAll()).doesNotContain(KEY).doesNotContain(OTHER_KEY);
        assertThat(responses).allSatisfy(r -> assertThat(r.body()).doesNotContain(KEY).doesNotContain(OTHER_KEY));
    }

    /** The answer to a waiting request comes from a second dispatch, which must not be refused. */
    @Test
    void aRequestThatWaitsForTheJobNeedsTheKeyOnceAndGetsItsAnswer() {
        origin.file("/keyed-wait.bin", 2000, 9);
        String id = api.submit(List.of(origin.url("/keyed-wait.bin")));

        Response waited = api.get("/api/v1/jobs/" + id + "?wait=30s");
        Response withoutKey = record(anonymous().get("/api/v1/jobs/" + id + "?wait=30s"));

        assertThat(waited.status()).as(waited.body()).isEqualTo(200);
        assertThat(waited.json().get("state").asString()).isEqualTo("SUCCEEDED");
        assertUnauthorized(withoutKey, "/api/v1/jobs/" + id);
    }

    @Test
    void addsNoGeneratedUser() {
        assertThat(context.getBeanNamesForType(UserDetailsService.class)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"/actuator/health", "/actuator/health/liveness", "/actuator/info", "/actuator/prometheus"})
    void leavesProbesAndMetricsOpen(String path) {
        assertThat(anonymous().get(path).status()).isEqualTo(200);
        assertThat(anonymous().withApiKey("stale-key").get(path).status()).isEqualTo(200);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/actuator", "/actuator/env", "/actuator/beans", "/actuator/configprops",
            "/actuator/loggers", "/actuator/heapdump", "/actuator/threaddump", "/actuator/mappings",
            "/actuator/shutdown", "/actuator/metrics"})
    void exposesNoOtherActuatorEndpoint(String path) {
        Response withoutKey = anonymous().get(path);
        Response withKey = api.get(path);

        assertThat(withoutKey.status()).isEqualTo(401);
        // /actuator only lists links, and only to the three open endpoints.
        if (path.equals("/actuator")) {
            assertThat(withKey.body()).doesNotContain("/env", "/beans", "/configprops", "/loggers");
        } else {
            assertThat(withKey.status()).as(withKey.body()).isEqualTo(404);
        }
        assertThat(api.post(path, "application/json", "{}", Map.of()).status()).isIn(404, 405);
    }

    /** The firewall turns these away before any key is looked at; the answer says nothing about keys. */
    @ParameterizedTest
    @ValueSource(strings = {"/api/v1/jobs/a;b", "/api/v1/jobs//x"})
    void answersAmbiguousPathsAsNotFoundWithOrWithoutAKey(String path) {
        assertThat(anonymous().get(path).status()).isEqualTo(404);
        assertThat(api.get(path).status()).isEqualTo(404);
    }

    private Response record(Response response) {
        responses.add(response);
        return response;
    }

    private static void assertUnauthorized(Response response, String path) {
        assertThat(response.status()).as(path + ": " + response.body()).isEqualTo(401);
        assertThat(response.header("Content-Type")).startsWith("application/problem+json");
        assertThat(response.header("Set-Cookie")).isNull();
        assertThat(response.json().get("type").asString()).isEqualTo("about:blank");
        assertThat(response.json().get("title").asString()).isEqualTo("Unauthorized");
        assertThat(response.json().get("status").asInt()).isEqualTo(401);
        assertThat(response.json().get("detail").asString()).isNotBlank();
        assertThat(response.json().get("instance").asString()).isEqualTo(path);
    }
}
