package io.fetchline.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;
import org.springframework.security.core.userdetails.UserDetailsService;

import io.fetchline.FetchlineClient.Response;
import io.fetchline.FetchlineTest;

/** Without API keys the API is open, and Spring Security adds nothing a script would trip over. */
class OpenByDefaultTests extends FetchlineTest {

    @Autowired
    ApplicationContext context;

    @Test
    void acceptsEveryMethodWithoutCredentialsCsrfTokenOrSession() {
        origin.file("/open.bin", 500, 3);

        Response submitted = api.post("/api/v1/jobs", "text/uri-list", origin.url("/open.bin") + "\n", Map.of());
        String id = submitted.json().get("id").asString();
        api.awaitState(id, "SUCCEEDED", Duration.ofSeconds(30));
        Response retried = api.post("/api/v1/jobs/" + id + "/retry", null, "", Map.of());
        Response cancelled = api.delete("/api/v1/jobs/" + id);
        Response read = api.get("/api/v1/jobs/" + id);

        assertThat(submitted.status()).as(submitted.body()).isEqualTo(202);
        assertThat(retried.status()).as(retried.body()).isEqualTo(202);
        // 409 when the retried job, having nothing to fetch, is already over: refused for its state, not for
        // want of credentials or a CSRF token.
        assertThat(cancelled.status()).as(cancelled.body()).isIn(202, 409);
        assertThat(read.status()).isEqualTo(200);
        for (Response response : List.of(submitted, retried, cancelled, read)) {
            assertThat(response.header("Set-Cookie")).isNull();
            assertThat(response.header("WWW-Authenticate")).isNull();
        }
    }

    @Test
    void addsNoGeneratedUserAndNoLoginPage() {
        assertThat(context.getBeanNamesForType(UserDetailsService.class)).isEmpty();
        for (String path : List.of("/login", "/logout")) {
            Response response = api.get(path);
            assertThat(response.status()).as(path).isEqualTo(404);
            assertThat(response.body()).doesNotContainIgnoringCase("<form");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"/actuator/health", "/actuator/info", "/actuator/prometheus"})
    void servesProbesAndMetrics(String path) {
        assertThat(api.get(path).status()).isEqualTo(200);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/actuator/env", "/actuator/beans", "/actuator/configprops", "/actuator/heapdump",
            "/actuator/loggers", "/actuator/mappings"})
    void exposesNoOtherActuatorEndpoint(String path) {
        assertThat(api.get(path).status()).isEqualTo(404);
    }

    /** Spring Security's firewall refuses these before MVC; they still get the API's 404 as problem details. */
    @ParameterizedTest
    @ValueSource(strings = {"/api/v1/jobs/a;b", "/api/v1/jobs/%2e%2e", "/api/v1/jobs//x", "/api/v1/jobs/%25"})
    void answersAmbiguousPathsAsNotFound(String path) {
        Response response = api.get(path);

        assertThat(response.status()).as(response.body()).isEqualTo(404);
        assertThat(response.header("Content-Type")).startsWith("application/problem+json");
        assertThat(response.json().get("title").asString()).isEqualTo("Not Found");
    }
}
