package io.fetchline.api;

import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;
import org.springdoc.core.customizers.GlobalOperationComponentsCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.ResolvableType;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.method.HandlerMethod;

import io.swagger.v3.core.converter.ModelConverters;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.IntegerSchema;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.parameters.Parameter;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;

/**
 * The OpenAPI description at {@code /v3/api-docs} (springdoc, every controller under {@code /api}). Controllers say
 * what only they know (summaries, success codes, {@link ProblemResponses}); the rules that hold for every operation
 * of API.md are applied here, so that a new controller is described alike without repeating them.
 */
@Configuration(proxyBeanMethods = false)
class ApiDocumentation {

    private static final String API_KEY = "apiKey";

    private static final String PROBLEM = "#/components/schemas/Problem";

    /** What each problem status means anywhere in the API; an operation's own cases are in API.md. */
    private static final Map<HttpStatus, String> PROBLEMS = Map.of(
            HttpStatus.BAD_REQUEST, "Malformed request or invalid values; `errors` lists every bad URL or field",
            HttpStatus.UNAUTHORIZED, "API keys are configured and the request has no valid `Authorization: Bearer`",
            HttpStatus.NOT_FOUND, "No such job or item (an id that is not a UUID is not found either)",
            HttpStatus.CONFLICT, "The job's state does not allow this",
            HttpStatus.CONTENT_TOO_LARGE, "Body over fetchline.jobs.max-request-size, or more items than"
                    + " fetchline.jobs.max-items",
            HttpStatus.UNSUPPORTED_MEDIA_TYPE, "A content type the operation does not take",
            HttpStatus.UNPROCESSABLE_CONTENT, "Idempotency-Key reused with a different body");

    /** Parameters the controllers take as text, to report bad values in the API's own words, by what they hold. */
    private static final Map<String, Schema<?>> PARAMETERS = Map.of(
            "id", new StringSchema().format("uuid").description("the job's id"),
            "index", new IntegerSchema().minimum(BigDecimal.ZERO).description("the item's 0-based index"),
            "offset", new IntegerSchema().minimum(BigDecimal.ZERO),
            "limit", new IntegerSchema().minimum(BigDecimal.ONE).maximum(BigDecimal.valueOf(1000)),
            "wait", new StringSchema().pattern("^\\d{1,7}(ms|s|m)?$").description("answer as soon as the job has"
                    + " ended, or after this long with the job as it is then: 500ms, 30s (the default unit), 5m;"
                    + " at most 5m"),
            "Idempotency-Key", new StringSchema().pattern("^[\\x21-\\x7e]{1,255}$").description("a repeated submit"
                    + " with the same key and body returns the first job (200) and creates nothing"));

    @Bean
    OpenAPI fetchlineOpenApi() {
        Components components = new Components().addSecuritySchemes(API_KEY, new SecurityScheme()
                .type(SecurityScheme.Type.HTTP).scheme("bearer")
                .description("Needed only when the service has API keys (fetchline.security.api-keys)"));
        ModelConverters.getInstance(true).readAll(Bodies.Problem.class).forEach(components::addSchemas);
        return new OpenAPI()
                .info(new Info().title("Fetchline").version("1")
                        .description("A download service: POST URL lists, get verified files. Every field of a"
                                + " response is always present; a value that is not known is null."))
                .components(components)
                .addSecurityItem(new SecurityRequirement().addList(API_KEY));
    }

    @Bean
    GlobalOperationComponentsCustomizer apiRules() {
        return new GlobalOperationComponentsCustomizer() {

            @Override
            public Operation customize(Operation operation, Components components, HandlerMethod handler) {
                return describe(operation, components, handler);
            }

            @Override
            public Operation customize(Operation operation, HandlerMethod handler) {
                return operation;
            }
        };
    }

    private static Operation describe(Operation operation, Components components, HandlerMethod handler) {
        ProblemResponses declared = handler.getMethodAnnotation(ProblemResponses.class);
        Set<HttpStatus> problems = new LinkedHashSet<>(List.of(HttpStatus.UNAUTHORIZED));
        if (declared != null) {
            problems.addAll(Arrays.asList(declared.value()));
        }
        for (HttpStatus status : problems) {
            operation.getResponses().addApiResponse(String.valueOf(status.value()), new ApiResponse()
                    .description(PROBLEMS.getOrDefault(status, status.getReasonPhrase()))
                    .content(new Content().addMediaType(MediaType.APPLICATION_PROBLEM_JSON_VALUE,
                            new io.swagger.v3.oas.models.media.MediaType().schema(new Schema<>().$ref(PROBLEM)))));
        }
        if (operation.getParameters() != null) {
            operation.getParameters().forEach(ApiDocumentation::describe);
        }
        describeRecords(ResolvableType.forMethodReturnType(handler.getMethod()), components, new HashSet<>());
        return operation;
    }

    private static void describe(Parameter parameter) {
        Schema<?> schema = PARAMETERS.get(parameter.getName());
        if (schema == null) {
            return;
        }
        Object defaultValue = parameter.getSchema() == null ? null : parameter.getSchema().getDefault();
        Schema<?> described = copy(schema);
        if (defaultValue != null) {
            described.setDefault(schema instanceof IntegerSchema ? Integer.valueOf(defaultValue.toString())
                    : defaultValue);
        }
        parameter.schema(described);
        if (parameter.getDescription() == null) {
            parameter.description(schema.getDescription());
        }
        // GET /jobs/{id} and GET /jobs/{id}?wait= are two handlers but one OpenAPI operation: wait is optional.
        if (parameter.getName().equals("wait")) {
            parameter.required(false);
        }
    }

    private static Schema<?> copy(Schema<?> schema) {
        Schema<?> copy = schema instanceof IntegerSchema ? new IntegerSchema() : new StringSchema();
        return copy.format(schema.getFormat()).pattern(schema.getPattern()).minimum(schema.getMinimum())
                .maximum(schema.getMaximum());
    }

    /**
     * API.md: every field of a response is always present, and {@code null} when not known. So each record a
     * response is made of has all its components required, and those marked {@link Nullable} may be null.
     */
    private static void describeRecords(ResolvableType type, Components components, Set<Class<?>> seen) {
        Class<?> raw = type.resolve();
        if (raw == null || !seen.add(raw)) {
            return;
        }
        for (ResolvableType generic : type.getGenerics()) {
            describeRecords(generic, components, seen);
        }
        Schema<?> schema = raw.isRecord() && components.getSchemas() != null
                ? components.getSchemas().get(raw.getSimpleName()) : null;
        if (schema == null) {
            return;
        }
        for (RecordComponent component : raw.getRecordComponents()) {
            if (schema.getRequired() == null || !schema.getRequired().contains(component.getName())) {
                schema.addRequiredItem(component.getName());
            }
            if (component.getAnnotatedType().isAnnotationPresent(Nullable.class) && schema.getProperties() != null) {
                schema.getProperties().computeIfPresent(component.getName(), (name, property) -> orNull(property));
            }
            describeRecords(ResolvableType.forType(component.getGenericType()), components, seen);
        }
    }

    private static Schema<?> orNull(Schema<?> property) {
        if (property.get$ref() != null) {
            return new Schema<>().oneOf(List.of(property, new Schema<>().typesItem("null")));
        }
        if (property.getTypes() != null && !property.getTypes().isEmpty()) {
            property.addType("null");
        }
        return property;
    }
}
