package io.fetchline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Talks to the service under test over real HTTP, as curl would. */
public final class FetchlineClient {

    private static final Set<String> TERMINAL = Set.of("SUCCEEDED", "FAILED", "CANCELLED");

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final JsonMapper json = JsonMapper.builder().build();
    private final int port;
    private final String base;
    private volatile String apiKey;

    public FetchlineClient(int port) {
        this.port = port;
        this.base = "http://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public FetchlineClient withApiKey(String key) {
        this.apiKey = key;
        return this;
    }

    public record Response(int status, Map<String, List<String>> headers, String body, JsonNode json) {

        public String header(String name) {
            return headers.entrySet().stream()
                    .filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().get(0))
                    .findFirst()
                    .orElse(null);
        }
    }

    public Response post(String path, String contentType, String body, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        headers.forEach(request::header);
        return send(request);
    }

    /** A POST with no body and no content type, as {@code curl -X POST} sends it (pause, resume, retry). */
    public Response post(String path) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).POST(HttpRequest.BodyPublishers.noBody()));
    }

    public Response patch(String path, String contentType, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .method("PATCH", HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        return send(request);
    }

    public Response get(String path) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
    }

    public Response delete(String path) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).DELETE());
    }

    /** Submits URLs as text/uri-list and returns the new job's id. */
    public String submit(List<String> urls) {
        Response response = post("/api/v1/jobs", "text/uri-list", String.join("\n", urls) + "\n", Map.of());
        assertThat(response.status()).as(response.body()).isEqualTo(202);
        return response.json().get("id").asString();
    }

    public String submitJson(String body) {
        Response response = post("/api/v1/jobs", "application/json", body, Map.of());
        assertThat(response.status()).as(response.body()).isEqualTo(202);
        return response.json().get("id").asString();
    }

    public JsonNode job(String id) {
        Response response = get("/api/v1/jobs/" + id);
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return response.json();
    }

    public JsonNode items(String id, String query) {
        Response response = get("/api/v1/jobs/" + id + "/items" + query);
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return response.json();
    }

    public JsonNode item(String id, int index) {
        Response response = get("/api/v1/jobs/" + id + "/items/" + index);
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return response.json();
    }

    /** Every item of the job in index order, read page by page with {@code limit=pageSize} (at most 1,000). */
    public List<JsonNode> allItems(String id, int pageSize) {
        List<JsonNode> all = new ArrayList<>();
        for (int offset = 0; ; offset += pageSize) {
            JsonNode page = items(id, "?offset=" + offset + "&limit=" + pageSize);
            page.get("items").forEach(all::add);
            if (page.get("items").size() < pageSize || offset + pageSize >= page.get("total").asInt()) {
                return all;
            }
        }
    }

    /** The value of one Prometheus series as scraped now, e.g. {@code fetchline_download_bytes_total}. */
    public double metric(String series) {
        return get("/actuator/prometheus").body().lines()
                .filter(line -> line.startsWith(series + " "))
                .mapToDouble(line -> Double.parseDouble(line.substring(series.length() + 1).trim()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no series " + series + " in the scrape"));
    }

    /** Waits for the job to reach a final state and returns it. */
    public JsonNode awaitFinished(String id, Duration atMost) {
        await().atMost(atMost).pollInterval(Duration.ofMillis(50))
                .until(() -> TERMINAL.contains(job(id).get("state").asString()));
        return job(id);
    }

    public JsonNode awaitState(String id, String state, Duration atMost) {
        JsonNode job = awaitFinished(id, atMost);
        assertThat(job.get("state").asString()).as(job.toString()).isEqualTo(state);
        return job;
    }

    private Response send(HttpRequest.Builder request) {
        if (apiKey != null) {
            request.header("Authorization", "Bearer " + apiKey);
        }
        try {
            HttpResponse<String> response = http.send(request.timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
            String body = response.body();
            JsonNode node = body == null || body.isBlank() || !(body.startsWith("{") || body.startsWith("["))
                    ? null : json.readTree(body);
            return new Response(response.statusCode(), response.headers().map(), body, node);
        } catch (IOException ex) {
            throw new IllegalStateException(ex);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }
}
