package io.fetchline.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

import io.fetchline.api.ApiDescription;

/** The API's description and Swagger UI are public even where the API itself needs a key. */
class OpenApiWithKeysTests extends KeyedFetchlineTest {

    @Autowired
    @Qualifier("requestMappingHandlerMapping")
    RequestMappingHandlerMapping mapping;

    @Test
    void describesEveryOperationToAClientWithoutAKey() {
        ApiDescription.assertDescribesEveryRoute(anonymous(), mapping);
    }

    @Test
    void servesSwaggerUiWithoutAKey() {
        ApiDescription.assertSwaggerUiIsServedLocally(anonymous());
    }

    @Test
    void everyDescriptionPathIsOpenWithOrWithoutAKey() {
        for (String path : List.of("/v3/api-docs", "/v3/api-docs.yaml", "/v3/api-docs/swagger-config",
                "/swagger-ui.html", "/swagger-ui/index.html")) {
            assertThat(anonymous().get(path).status()).as(path).isIn(200, 302);
            assertThat(anonymous().withApiKey("stale-key").get(path).status()).as(path).isIn(200, 302);
        }
        assertThat(anonymous().get("/v3/api-docs.yaml").body()).startsWith("openapi: 3.1");
    }

    @Test
    void theOperationsStillNeedTheKey() {
        for (ApiDescription.Route route : ApiDescription.apiRoutes(mapping)) {
            if (route.method().equals("GET") && !route.path().contains("{")) {
                assertThat(anonymous().get(route.path()).status()).as(route.toString()).isEqualTo(401);
            }
        }
        assertThat(anonymous().get("/api/v1/jobs").status()).isEqualTo(401);
    }
}
