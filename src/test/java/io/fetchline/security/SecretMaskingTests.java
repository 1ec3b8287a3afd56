package io.fetchline.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import io.fetchline.FetchlineClient.Response;
import tools.jackson.databind.JsonNode;

/** A password in a URL, given by the user or by an origin's redirect, shows as *** everywhere Fetchline speaks. */
@ExtendWith(OutputCaptureExtension.class)
class SecretMaskingTests extends KeyedFetchlineTest {

    private static final String PASSWORD = "s3cret-Pa55";

    private final List<Response> responses = new ArrayList<>();

    @Test
    void masksTheUrlPasswordInResponsesAndLogsButSendsItToTheOrigin(CapturedOutput output) {
        int port = origin.port();
        String withPassword = "http://user:" + PASSWORD + "@127.0.0.1:" + port;
        origin.route("/to-ftp").redirect(302, "ftp://user:" + PASSWORD + "@127.0.0.1/file");
        origin.route("/loop").redirect(302, withPassword + "/loop");
        origin.route("/malformed").redirect(302, "http://user:" + PASSWORD + "@[::1/file");
        String body = String.join("\n", withPassword + "/missing", withPassword + "/to-ftp",
                withPassword + "/loop", withPassword + "/malformed");

        Response submitted = record(api.post("/api/v1/jobs", "text/uri-list", body, Map.of()));
        assertThat(submitted.status()).as(submitted.body()).isEqualTo(202);
        String id = submitted.json().get("id").asString();
        api.awaitState(id, "FAILED", Duration.ofSeconds(30));

        JsonNode items = record(api.get("/api/v1/jobs/" + id + "/items")).json().get("items");
        assertThat(items.get(0).get("url").asString()).isEqualTo("http://user:***@127.0.0.1:" + port + "/missing");
        assertThat(items.get(0).get("error").get("code").asString()).isEqualTo("HTTP_STATUS");
        assertThat(items.get(0).get("httpStatus").asInt()).isEqualTo(404);
        assertThat(items.get(1).get("error").get("code").asString()).isEqualTo("UNSUPPORTED_SCHEME");
        assertThat(items.get(1).get("error").get("message").asString()).contains("ftp://user:***@127.0.0.1/file");
        assertThat(items.get(2).get("error").get("code").asString()).isEqualTo("REDIRECT_LIMIT");
        assertThat(items.get(2).get("error").get("message").asString()).contains("user:***@");
        assertThat(items.get(3).get("error").get("code").asString()).isEqualTo("PROTOCOL");
        assertThat(items.get(3).get("error").get("message").asString()).contains("user:***@");
        for (int index = 0; index < 4; index++) {
            record(api.get("/api/v1/jobs/" + id + "/items/" + index));
        }
        record(api.get("/api/v1/jobs/" + id));
        record(api.get("/api/v1/jobs?limit=1000"));
        record(api.get("/api/v1/jobs/" + id + "/items?state=FAILED"));
        record(anonymous().get("/actuator/prometheus"));

        String basic = "Basic " + Base64.getEncoder()
                .encodeToString(("user:" + PASSWORD).getBytes(StandardCharsets.UTF_8));
        assertThat(origin.requests("/missing")).singleElement()
                .satisfies(request -> assertThat(request.header("Authorization")).isEqualTo(basic));
        assertThat(origin.requests("/loop")).hasSizeGreaterThan(1)
                .allSatisfy(request -> assertThat(request.header("Authorization")).isEqualTo(basic));
        assertThat(responses).allSatisfy(response -> assertThat(response.body()).doesNotContain(PASSWORD));
        assertThat(output.getAll()).doesNotContain(PASSWORD).contains("user:***@127.0.0.1:" + port + "/missing");
    }

    @Test
    void masksThePasswordOfRefusedUrls(CapturedOutput output) {
        String text = String.join("\n", "ftp://user:" + PASSWORD + "@127.0.0.1/file",
                "http://user:" + PASSWORD + "@/no-host");
        String json = "{\"urls\": [\"http://user:" + PASSWORD + "@127.0.0.1:" + origin.port() + "/ok\"],"
                + " \"items\": [{\"url\": \"gopher://user:" + PASSWORD + "@127.0.0.1/\"}]}";

        Response fromText = record(api.post("/api/v1/jobs", "text/uri-list", text, Map.of()));
        Response fromJson = record(api.post("/api/v1/jobs", "application/json", json, Map.of()));

        assertThat(fromText.status()).isEqualTo(400);
        assertThat(fromText.json().get("errors").get(0).get("url").asString())
                .isEqualTo("ftp://user:***@127.0.0.1/file");
        assertThat(fromText.json().get("errors").get(1).get("url").asString()).isEqualTo("http://user:***@/no-host");
        assertThat(fromJson.status()).isEqualTo(400);
        assertThat(fromJson.json().get("errors").get(0).get("url").asString())
                .isEqualTo("gopher://user:***@127.0.0.1/");
        assertThat(responses).allSatisfy(response -> assertThat(response.body()).doesNotContain(PASSWORD));
        assertThat(output.getAll()).doesNotContain(PASSWORD);
    }

    private Response record(Response response) {
        responses.add(response);
        return response;
    }
}
