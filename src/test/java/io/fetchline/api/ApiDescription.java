package io.fetchline.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.springframework.http.HttpStatus;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

import io.fetchline.FetchlineClient;
import io.fetchline.FetchlineClient.Response;
import tools.jackson.databind.JsonNode;

/**
 * What {@code /v3/api-docs} and Swagger UI must show, checked against the running service: the operations expected
 * are the ones Spring MVC routes, so an endpoint added without its description is noticed.
 */
public final class ApiDescription {

    private static final Pattern ASSET = Pattern.compile("(?:src|href)=\"([^\"]+)\"");

    private ApiDescription() {
    }

    /** An operation of the API as Spring MVC routes it: {@code GET /api/v1/jobs/{id}}. */
    public record Route(String method, String path, HandlerMethod handler) {

        @Override
        public String toString() {
            return method + " " + path;
        }
    }

    /** Every route of our controllers under {@code /api}, as the handler mapping has it. */
    public static List<Route> apiRoutes(RequestMappingHandlerMapping mapping) {
        List<Route> routes = new ArrayList<>();
        mapping.getHandlerMethods().forEach((RequestMappingInfo info, HandlerMethod handler) -> {
            if (!handler.getBeanType().getPackageName().startsWith("io.fetchline")) {
                return;
            }
            for (String path : info.getPatternValues()) {
                if (path.startsWith("/api/")) {
                    info.getMethodsCondition().getMethods().forEach(
                            method -> routes.add(new Route(method.name(), path, handler)));
                }
            }
        });
        return routes;
    }

    /** Reads the description as a client without a key would and checks every route is in it, fully. */
    public static JsonNode assertDescribesEveryRoute(FetchlineClient anonymous, RequestMappingHandlerMapping mapping) {
        Response response = anonymous.get("/v3/api-docs");
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.header("Content-Type")).startsWith("application/json");
        JsonNode doc = response.json();
        assertThat(doc.get("openapi").asString()).startsWith("3.");

        List<Route> routes = apiRoutes(mapping);
        assertThat(routes).as("routes found by the handler mapping").hasSizeGreaterThanOrEqualTo(11)
                .extracting(Route::toString).contains("POST /api/v1/jobs", "GET /api/v1/jobs",
                        "GET /api/v1/jobs/{id}", "GET /api/v1/jobs/{id}/items", "GET /api/v1/jobs/{id}/items/{index}",
                        "DELETE /api/v1/jobs/{id}", "POST /api/v1/jobs/{id}/retry", "POST /api/v1/jobs/{id}/pause",
                        "POST /api/v1/jobs/{id}/resume", "PATCH /api/v1/jobs/{id}");
        for (Route route : routes) {
            JsonNode operation = doc.path("paths").path(route.path()).path(route.method().toLowerCase(Locale.ROOT));
            assertThat(operation.isObject()).as(route + " is described").isTrue();
            assertThat(operation.path("summary").asString("")).as(route + " summary").isNotBlank();
            assertSuccessHasSchema(doc, route, operation.path("responses"));
            assertProblems(route, operation.path("responses"));
        }
        assertThat(doc.path("paths").propertyNames()).as("documented paths are the API's only")
                .allMatch(path -> path.startsWith("/api/"));
        assertProblemSchema(doc);
        assertBearerScheme(doc);
        return doc;
    }

    private static void assertSuccessHasSchema(JsonNode doc, Route route, JsonNode responses) {
        List<String> successes = responses.propertyNames().stream().filter(code -> code.startsWith("2")).toList();
        assertThat(successes).as(route + " 2xx responses").isNotEmpty();
        for (String code : successes) {
            JsonNode content = responses.path(code).path("content");
            assertThat(content.propertyNames()).as(route + " " + code + " content").isNotEmpty();
            for (JsonNode media : content) {
                assertResolves(doc, media.path("schema"), route + " " + code);
            }
        }
    }

    /**
     * Every problem the handler declares, 401 for want of a key, and 404 where the path names a job (API.md: an
     * unknown id is not found), as problem details.
     */
    private static void assertProblems(Route route, JsonNode responses) {
        Set<String> expected = new TreeSet<>(Set.of("401"));
        if (route.path().contains("{id}")) {
            expected.add("404");
        }
        ProblemResponses declared = route.handler().getMethodAnnotation(ProblemResponses.class);
        if (declared != null) {
            Arrays.stream(declared.value()).map(HttpStatus::value).map(String::valueOf).forEach(expected::add);
        }
        assertThat(responses.propertyNames()).as(route + " responses").containsAll(expected);
        for (String code : responses.propertyNames()) {
            if (code.startsWith("4") || code.startsWith("5")) {
                JsonNode problem = responses.path(code).path("content").path("application/problem+json");
                assertThat(problem.path("schema").path("$ref").asString(""))
                        .as(route + " " + code + " is problem details").isEqualTo("#/components/schemas/Problem");
                assertThat(responses.path(code).path("description").asString("")).isNotBlank();
            }
        }
    }

    private static void assertResolves(JsonNode doc, JsonNode schema, String where) {
        assertThat(schema.isObject()).as(where + " has a schema").isTrue();
        String ref = schema.path("$ref").asString("");
        if (ref.isEmpty()) {
            assertThat(schema.has("type") || schema.has("oneOf")).as(where + " schema " + schema).isTrue();
            return;
        }
        String name = ref.substring(ref.lastIndexOf('/') + 1);
        assertThat(doc.path("components").path("schemas").path(name).path("properties").isObject())
                .as(where + " schema " + ref + " is defined").isTrue();
    }

    private static void assertProblemSchema(JsonNode doc) {
        JsonNode schemas = doc.path("components").path("schemas");
        assertThat(schemas.path("Problem").path("properties").propertyNames())
                .contains("type", "title", "status", "detail", "instance", "errors");
        assertThat(schemas.path("Problem").path("properties").path("errors").path("type").asString())
                .isEqualTo("array");
        assertThat(schemas.path("Problem").path("properties").path("errors").path("items").path("$ref").asString())
                .isEqualTo("#/components/schemas/ValidationError");
        assertThat(schemas.path("ValidationError").path("properties").propertyNames())
                .containsExactlyInAnyOrder("line", "index", "field", "url", "reason");
    }

    private static void assertBearerScheme(JsonNode doc) {
        JsonNode schemes = doc.path("components").path("securitySchemes");
        assertThat(schemes.propertyNames()).hasSize(1);
        String name = schemes.propertyNames().iterator().next();
        assertThat(schemes.path(name).path("type").asString()).isEqualTo("http");
        assertThat(schemes.path(name).path("scheme").asString()).isEqualTo("bearer");
        assertThat(doc.path("security").get(0).has(name)).as("operations require the scheme").isTrue();
    }

    /**
     * Swagger UI opens without a key, and everything its page loads is served by the service itself: relative
     * links only, each answered here, and a start script that names no other host.
     */
    public static void assertSwaggerUiIsServedLocally(FetchlineClient anonymous) {
        Response entry = anonymous.get("/swagger-ui.html");
        String page = "/swagger-ui.html";
        if (entry.status() / 100 == 3) {
            page = java.net.URI.create(entry.header("Location")).getPath();
            entry = anonymous.get(page);
        }
        assertThat(entry.status()).as(page).isEqualTo(200);
        assertThat(entry.header("Content-Type")).startsWith("text/html");
        assertThat(entry.body()).contains("swagger-ui");
        String folder = page.substring(0, page.lastIndexOf('/') + 1);
        Matcher asset = ASSET.matcher(entry.body());
        List<String> assets = new ArrayList<>();
        while (asset.find()) {
            assets.add(asset.group(1));
        }
        assertThat(assets).as("assets of " + page).isNotEmpty()
                .allSatisfy(link -> assertThat(link).doesNotContain("//").doesNotStartWith("data:"));
        for (String link : assets) {
            String path = link.startsWith("/") ? link : folder + link.replaceFirst("^\\./", "");
            Response loaded = anonymous.get(path);
            assertThat(loaded.status()).as(path).isEqualTo(200);
            if (path.endsWith("swagger-initializer.js")) {
                assertThat(loaded.body()).as("start script").doesNotContain("http://", "https://")
                        .contains("/v3/api-docs/swagger-config");
            }
        }
        assertThat(assets).anyMatch(link -> link.endsWith("swagger-initializer.js"));
        Response config = anonymous.get("/v3/api-docs/swagger-config");
        assertThat(config.status()).isEqualTo(200);
        assertThat(config.json().path("url").asString()).isEqualTo("/v3/api-docs");
        // Swagger UI sends the description to an outside validator unless told not to.
        assertThat(config.json().has("validatorUrl")).isTrue();
        assertThat(config.json().path("validatorUrl").asString()).as("no outside validator").isEmpty();
        assertThat(config.json().path("persistAuthorization").asBoolean(false)).as("a key is not stored").isFalse();
    }
}
