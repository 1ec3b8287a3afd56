package io.fetchline.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.RecordComponent;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

import io.fetchline.FetchlineClient.Response;
import io.fetchline.FetchlineTest;
import tools.jackson.databind.JsonNode;

/** {@code /v3/api-docs} describes the API as it answers; Swagger UI works from the service alone. */
class OpenApiTests extends FetchlineTest {

    @Autowired
    @Qualifier("requestMappingHandlerMapping")
    RequestMappingHandlerMapping mapping;

    @Test
    void describesEveryOperationWithItsSchemasAndProblems() {
        ApiDescription.assertDescribesEveryRoute(api, mapping);
    }

    @Test
    void describesTheBodiesEachOperationTakesAndItsSuccessCodes() {
        JsonNode paths = api.get("/v3/api-docs").json().path("paths");

        JsonNode submit = paths.path("/api/v1/jobs").path("post");
        assertThat(submit.path("requestBody").path("content").propertyNames())
                .containsExactlyInAnyOrder("text/uri-list", "text/plain", "application/json");
        assertThat(submit.path("requestBody").path("content").path("application/json").path("schema").path("$ref")
                .asString()).isEqualTo("#/components/schemas/Submission");
        assertThat(submit.path("responses").propertyNames()).contains("202", "200", "400", "413", "415", "422")
                .doesNotContain("404", "409");
        JsonNode patch = paths.path("/api/v1/jobs/{id}").path("patch");
        assertThat(patch.path("requestBody").path("content").propertyNames())
                .containsExactlyInAnyOrder("application/json", "application/merge-patch+json");
        assertThat(patch.path("responses").propertyNames()).contains("200", "400", "404", "409", "415");
        for (String control : List.of("retry", "pause", "resume")) {
            assertThat(paths.path("/api/v1/jobs/{id}/" + control).path("post").path("responses").propertyNames())
                    .as(control).contains("202", "404", "409").doesNotContain("200");
        }
        assertThat(paths.path("/api/v1/jobs/{id}").path("delete").path("responses").propertyNames())
                .contains("202", "404", "409");
        JsonNode read = paths.path("/api/v1/jobs/{id}").path("get");
        assertThat(read.path("parameters").findValuesAsString("name")).contains("id", "wait");
        assertThat(read.path("parameters").get(1).path("required").asBoolean()).as("wait is optional").isFalse();
    }

    /** The schemas list exactly the fields the service writes, every one required, null only where it may be. */
    @Test
    void responseSchemasMatchWhatTheServiceAnswers() {
        origin.file("/docs/a.bin", 1000, 4);
        String id = api.submit(List.of(origin.url("/docs/a.bin"), origin.url("/docs/missing")));
        api.awaitState(id, "FAILED", Duration.ofSeconds(30));
        JsonNode schemas = api.get("/v3/api-docs").json().path("components").path("schemas");

        assertMatches(schemas, "JobView", api.job(id), Views.JobView.class);
        assertMatches(schemas, "Bytes", api.job(id).path("bytes"), Views.Bytes.class);
        assertMatches(schemas, "JobPage", api.get("/api/v1/jobs").json(), Views.JobPage.class);
        JsonNode items = api.items(id, "");
        assertMatches(schemas, "ItemPage", items, Views.ItemPage.class);
        for (JsonNode item : items.path("items")) {
            assertMatches(schemas, "ItemView", item, Views.ItemView.class);
        }
        assertThat(items.path("items").get(1).path("error").path("code").asString()).isEqualTo("HTTP_STATUS");
        assertThat(schemas.path("ItemError").path("required").valueStream().map(JsonNode::asString))
                .containsExactlyInAnyOrder("code", "message");

        Response refused = api.post("/api/v1/jobs", "text/uri-list", "ftp://example.org/x\n", Map.of());
        assertThat(refused.status()).isEqualTo(400);
        assertThat(schemas.path("Problem").path("properties").propertyNames())
                .containsAll(refused.json().propertyNames());
        assertThat(schemas.path("ValidationError").path("properties").propertyNames())
                .containsAll(refused.json().path("errors").get(0).propertyNames());
    }

    @Test
    void servesSwaggerUiFromItsOwnAssets() {
        ApiDescription.assertSwaggerUiIsServedLocally(api);
    }

    private static void assertMatches(JsonNode schemas, String name, JsonNode answer, Class<?> record) {
        JsonNode schema = schemas.path(name);
        List<String> components = Arrays.stream(record.getRecordComponents()).map(RecordComponent::getName).toList();
        assertThat(schema.path("properties").propertyNames()).as(name).containsExactlyInAnyOrderElementsOf(components);
        assertThat(schema.path("required").valueStream().map(JsonNode::asString)).as(name + " required")
                .containsExactlyInAnyOrderElementsOf(components);
        assertThat(answer.propertyNames()).as(name + " as answered").containsExactlyInAnyOrderElementsOf(components);
        answer.properties().forEach(field -> {
            if (field.getValue().isNull()) {
                assertThat(mayBeNull(schema.path("properties").path(field.getKey())))
                        .as(name + "." + field.getKey() + " is null in " + answer).isTrue();
            }
        });
    }

    private static boolean mayBeNull(JsonNode property) {
        if (property.isEmpty()) {
            return true;
        }
        JsonNode type = property.path("type");
        return type.asString("").equals("null")
                || type.isArray() && type.valueStream().anyMatch(t -> t.asString().equals("null"))
                || property.path("oneOf").valueStream().anyMatch(OpenApiTests::mayBeNull);
    }
}
