package io.fetchline.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.fetchline.FetchlineClient.Response;
import io.fetchline.FetchlineTest;
import tools.jackson.databind.JsonNode;

/** Every rejection of the submit endpoint: a problem-details body, and nothing stored. */
class SubmitRejectionTests extends FetchlineTest {

    static Stream<Arguments> rejections() {
        String many = "http://127.0.0.1/x\n".repeat(100_001);
        String huge = "# padding\n".repeat(1_700_000);
        return Stream.of(
                Arguments.of("malformed JSON", "application/json", "{\"urls\": [", 400),
                Arguments.of("JSON that is not an object", "application/json", "[\"http://a/\"]", 400),
                Arguments.of("urls that is not an array", "application/json", "{\"urls\": \"http://a/\"}", 400),
                Arguments.of("no URLs in JSON", "application/json", "{\"label\": \"x\", \"urls\": []}", 400),
                Arguments.of("no URLs in text", "text/uri-list", "# only a comment\n\n", 400),
                Arguments.of("empty body", "text/plain", "", 400),
                Arguments.of("body over max-request-size", "text/uri-list", huge, 413),
                Arguments.of("more items than max-items", "text/uri-list", many, 413),
                Arguments.of("form content type", "application/x-www-form-urlencoded", "url=http://a/", 415),
                Arguments.of("XML content type", "application/xml", "<urls/>", 415),
                Arguments.of("no content type", null, "http://a/", 415));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rejections")
    void refusesAndStoresNothing(String why, String contentType, String body, int status) {
        int before = jobCount();

        Response response = api.post("/api/v1/jobs", contentType, body, Map.of());

        assertThat(response.status()).as(response.body()).isEqualTo(status);
        assertProblem(response, status);
        assertThat(jobCount()).isEqualTo(before);
    }

    @Test
    void listsEveryInvalidLineOfATextBodyCountingBlankAndCommentLines() {
        int before = jobCount();
        String body = "# mirror list\r\n"
                + "https://example.org/ok.iso\r\n"
                + "\r\n"
                + "ftp://example.org/file\r\n"
                + "   not a url   \r\n"
                + "https://user:s3cret@/nohost\r\n"
                + "http://example.org/" + "a".repeat(8200) + "\n";

        Response response = api.post("/api/v1/jobs", "text/uri-list", body, Map.of());

        assertThat(response.status()).isEqualTo(400);
        assertProblem(response, 400);
        JsonNode errors = response.json().get("errors");
        assertThat(errors).hasSize(4);
        assertThat(errors.get(0).get("line").asInt()).isEqualTo(4);
        assertThat(errors.get(0).get("url").asString()).isEqualTo("ftp://example.org/file");
        assertThat(errors.get(0).get("reason").asString()).isEqualTo("scheme must be http or https");
        assertThat(errors.get(1).get("line").asInt()).isEqualTo(5);
        assertThat(errors.get(2).get("line").asInt()).isEqualTo(6);
        assertThat(errors.get(3).get("line").asInt()).isEqualTo(7);
        assertThat(response.body()).doesNotContain("s3cret");
        assertThat(jobCount()).isEqualTo(before);
    }

    @Test
    void listsEveryInvalidItemOfAJsonBodyByIndexUrlsFirst() {
        String body = """
                {"urls": ["https://example.org/a", "mailto:x@example.org"],
                 "items": [{"url": "https://example.org/b"}, {"url": "relative/path"},
                           {"url": "https://example.org/c", "sha256": "abc"}, {"fileName": "no-url"}]}
                """;

        Response response = api.post("/api/v1/jobs", "application/json", body, Map.of());

        assertThat(response.status()).isEqualTo(400);
        JsonNode errors = response.json().get("errors");
        assertThat(errors.findValues("index").stream().map(JsonNode::asInt)).containsExactly(1, 3, 4, 5);
        assertThat(errors.get(0).has("line")).isFalse();
    }

    @Test
    void acceptsTextPlainWithCrlfWhitespaceAndComments() {
        origin.file("/plain/one.bin", 3, 1);
        String body = "# list\r\n  " + origin.url("/plain/one.bin") + "  \r\n\r\n";

        Response response = api.post("/api/v1/jobs", "text/plain; charset=utf-8", body, Map.of());

        assertThat(response.status()).as(response.body()).isEqualTo(202);
        assertThat(response.header("Location")).isEqualTo("/api/v1/jobs/" + response.json().get("id").asString());
        assertThat(response.json().get("items").get("total").asInt()).isEqualTo(1);
    }

    private int jobCount() {
        return api.get("/api/v1/jobs?limit=1").json().get("total").asInt();
    }

    private static void assertProblem(Response response, int status) {
        assertThat(response.header("Content-Type")).startsWith("application/problem+json");
        assertThat(response.json().get("status").asInt()).isEqualTo(status);
        assertThat(response.json().get("title").asString()).isNotBlank();
        assertThat(response.json().get("detail").asString()).isNotBlank();
        assertThat(response.json().has("type")).isTrue();
    }
}
