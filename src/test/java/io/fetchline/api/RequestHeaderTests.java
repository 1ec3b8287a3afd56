package io.fetchline.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import io.fetchline.FetchlineClient.Response;
import io.fetchline.FetchlineTest;
import io.fetchline.origin.RecordedRequest;
import io.fetchline.origin.TestOrigin;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A job's request headers (API.md, Request headers): sent with every request of its items, credentials kept from
 * other origins than the submitted URL's, bad ones refused one by one, and their values never shown or logged.
 * A second origin on another port is "another origin" for the redirects.
 */
@ExtendWith(OutputCaptureExtension.class)
class RequestHeaderTests extends FetchlineTest {

    private static final Duration FINISHES = Duration.ofSeconds(30);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final AtomicInteger UNIQUE = new AtomicInteger();
    /** Values that must never come back: each unique, so that any leak of one is found as a plain substring. */
    private static final String TOKEN = "tok-7f3a9c1e5b";
    private static final String COOKIE = "sid=c00k1e-42d8";
    private static final String PROXY = "Basic cHJveHk6c2VjcmV0LTk5";
    private static final String API_KEY = "key-5e1b77aa90";
    private static final List<String> SECRETS = List.of(TOKEN, COOKIE, PROXY, API_KEY);
    private static final List<String> CREDENTIALS = List.of("Authorization", "Cookie", "Proxy-Authorization");

    private static TestOrigin other;

    private final List<Response> responses = new ArrayList<>();

    @BeforeAll
    static void startOtherOrigin() {
        other = TestOrigin.start();
    }

    @AfterAll
    static void stopOtherOrigin() {
        other.close();
    }

    @Test
    void sendsTheHeadersWithEveryRequestAndShowsOnlyTheirNames(CapturedOutput output) {
        String dir = "/headers/" + UNIQUE.incrementAndGet();
        byte[] plain = origin.file(dir + "/plain.bin", 20_000, 1);
        byte[] resumed = origin.file(dir + "/resumed.bin", 300_000, 2);
        // The first attempt breaks off: the retry, with Range, must carry the headers too.
        origin.route(dir + "/resumed.bin").truncateAfter(100_000).truncateTimes(1);
        byte[] target = origin.file(dir + "/target.bin", 30_000, 3);
        origin.route(dir + "/hop").redirect(302, origin.url(dir + "/target.bin"));
        Map<String, String> headers = allHeaders();

        Response submitted = record(api.post("/api/v1/jobs", "application/json",
                submission(headers, origin.url(dir + "/plain.bin"), origin.url(dir + "/resumed.bin"),
                        origin.url(dir + "/hop"), origin.url(dir + "/missing")), Map.of()));

        assertThat(submitted.status()).as(submitted.body()).isEqualTo(202);
        assertMasked(submitted.json(), headers);
        String id = submitted.json().get("id").asString();
        api.awaitState(id, "FAILED", FINISHES);
        assertMasked(record(api.get("/api/v1/jobs/" + id)).json(), headers);
        JsonNode listed = record(api.get("/api/v1/jobs?limit=1000")).json().get("jobs").valueStream()
                .filter(job -> job.get("id").asString().equals(id)).findFirst().orElseThrow();
        assertMasked(listed, headers);
        JsonNode items = record(api.get("/api/v1/jobs/" + id + "/items")).json().get("items");
        assertThat(items.get(0).get("sha256").asString()).isEqualTo(TestOrigin.sha256(plain));
        assertThat(items.get(1).get("sha256").asString()).isEqualTo(TestOrigin.sha256(resumed));
        assertThat(items.get(2).get("sha256").asString()).isEqualTo(TestOrigin.sha256(target));
        assertThat(items.get(3).get("error").get("code").asString()).isEqualTo("HTTP_STATUS");
        record(api.get("/actuator/prometheus"));

        List<RecordedRequest> requests = origin.requests().stream()
                .filter(request -> request.path().startsWith(dir)).toList();
        assertThat(requests).extracting(RecordedRequest::path).contains(dir + "/hop", dir + "/target.bin");
        assertThat(origin.requests(dir + "/resumed.bin")).as("first attempt and its resumed retry").hasSize(2)
                .last().satisfies(retry -> assertThat(retry.header("Range")).isEqualTo("bytes=100000-"));
        assertThat(requests).hasSize(6).allSatisfy(request -> headers.forEach((name, value) -> assertThat(
                request.headers(name)).as("%s on %s", name, request.path()).containsExactly(value)));
        assertNoSecretIn(output);
    }

    @Test
    void aJobWithoutHeadersSendsFetchlinesOwnUserAgentAndNoCredentials() {
        String path = "/headers/bare-" + UNIQUE.incrementAndGet() + ".bin";
        origin.file(path, 1000, 4);

        String id = api.submitJson("{\"urls\": [\"" + origin.url(path) + "\"], \"headers\": {}}");

        api.awaitState(id, "SUCCEEDED", FINISHES);
        assertThat(api.job(id).get("headers").isObject()).isTrue();
        assertThat(api.job(id).get("headers").isEmpty()).isTrue();
        RecordedRequest request = origin.requests(path).get(0);
        assertThat(request.headers("User-Agent")).containsExactly("Fetchline/1");
        CREDENTIALS.forEach(name -> assertThat(request.header(name)).as(name).isNull());
    }

    @Test
    void credentialsStayWithTheSubmittedOriginAndTheOtherHeadersFollowEveryHop(CapturedOutput output) {
        String dir = "/across/" + UNIQUE.incrementAndGet();
        // Away: another port is another origin. Round trip: away, then back to the submitted URL's origin.
        origin.route(dir + "/away").redirect(302, other.url(dir + "/there.bin"));
        byte[] there = other.file(dir + "/there.bin", 10_000, 5);
        origin.route(dir + "/round").redirect(307, other.url(dir + "/bounce"));
        other.route(dir + "/bounce").redirect(302, origin.url(dir + "/home.bin"));
        byte[] home = origin.file(dir + "/home.bin", 10_000, 6);
        // A relative Location stays on the same origin.
        origin.route(dir + "/same").redirect(301, dir + "/here.bin");
        byte[] here = origin.file(dir + "/here.bin", 10_000, 7);
        Map<String, String> headers = allHeaders();

        String id = submit(headers, origin.url(dir + "/away"), origin.url(dir + "/round"), origin.url(dir + "/same"));

        api.awaitState(id, "SUCCEEDED", FINISHES);
        JsonNode items = record(api.get("/api/v1/jobs/" + id + "/items")).json().get("items");
        assertThat(items.get(0).get("sha256").asString()).isEqualTo(TestOrigin.sha256(there));
        assertThat(items.get(1).get("sha256").asString()).isEqualTo(TestOrigin.sha256(home));
        assertThat(items.get(2).get("sha256").asString()).isEqualTo(TestOrigin.sha256(here));
        List<RecordedRequest> atOther = other.requests().stream()
                .filter(request -> request.path().startsWith(dir)).toList();
        assertThat(atOther).extracting(RecordedRequest::path).containsExactlyInAnyOrder(dir + "/there.bin",
                dir + "/bounce");
        assertThat(atOther).allSatisfy(request -> {
            CREDENTIALS.forEach(name -> assertThat(request.header(name)).as("%s at %s", name, request.path())
                    .isNull());
            assertThat(request.headers("X-Api-Key")).containsExactly(API_KEY);
            assertThat(request.headers("User-Agent")).containsExactly("mirror-bot/2.0 (+https://example.org)");
        });
        List<RecordedRequest> atOrigin = origin.requests().stream()
                .filter(request -> request.path().startsWith(dir)).toList();
        assertThat(atOrigin).extracting(RecordedRequest::path).containsExactlyInAnyOrder(dir + "/away",
                dir + "/round", dir + "/home.bin", dir + "/same", dir + "/here.bin");
        assertThat(atOrigin).allSatisfy(request -> headers.forEach((name, value) -> assertThat(
                request.headers(name)).as("%s at %s", name, request.path()).containsExactly(value)));
        assertNoSecretIn(output);
    }

    @Test
    void anAuthorizationHeaderReplacesTheUrlsCredentials() {
        String path = "/headers/userinfo-" + UNIQUE.incrementAndGet() + ".bin";
        origin.file(path, 1000, 8);
        String url = "http://user:pw@127.0.0.1:" + origin.port() + path;

        String id = submit(Map.of("Authorization", "Bearer " + TOKEN), url);

        api.awaitState(id, "SUCCEEDED", FINISHES);
        assertThat(origin.requests(path).get(0).headers("Authorization")).containsExactly("Bearer " + TOKEN);
    }

    static Stream<Arguments> badHeaders() {
        Stream<Arguments> refused = Stream.of("Host", "content-length", "Transfer-Encoding", "CONNECTION",
                "Keep-Alive", "te", "Trailer", "Upgrade", "Expect", "Range", "If-Range", "accept-encoding")
                .map(name -> Arguments.of("{\"" + name + "\": \"x\"}", "headers." + name));
        return Stream.concat(refused, Stream.of(
                Arguments.of("{\"X Space\": \"v\"}", "headers.X Space"),
                Arguments.of("{\"X:Colon\": \"v\"}", "headers.X:Colon"),
                Arguments.of("{\"\": \"v\"}", "headers."),
                Arguments.of("{\"X-Ümlaut\": \"v\"}", "headers.X-Ümlaut"),
                Arguments.of("{\"X-Cr\": \"" + API_KEY + "\\rInjected: 1\"}", "headers.X-Cr"),
                Arguments.of("{\"X-Lf\": \"" + API_KEY + "\\nInjected: 1\"}", "headers.X-Lf"),
                Arguments.of("{\"X-Nul\": \"" + API_KEY + "\\u0000\"}", "headers.X-Nul"),
                Arguments.of("{\"X-Bell\": \"" + API_KEY + "\\u0007\"}", "headers.X-Bell"),
                Arguments.of("{\"X-Euro\": \"" + API_KEY + " \u20ac\"}", "headers.X-Euro"),
                Arguments.of("{\"X-Number\": 5}", "headers.X-Number"),
                Arguments.of("{\"X-Null\": null}", "headers.X-Null"),
                Arguments.of("{\"X-Twice\": \"" + API_KEY + "\", \"x-twice\": \"" + TOKEN + "\"}", "headers.x-twice"),
                Arguments.of("\"Authorization: " + TOKEN + "\"", "headers"),
                Arguments.of("[\"Authorization\"]", "headers"),
                Arguments.of(manyHeaders(65, 1), "headers"),
                Arguments.of(manyHeaders(8, 1024), "headers")));
    }

    @ParameterizedTest(name = "{1}: {0}")
    @MethodSource("badHeaders")
    void refusesABadHeaderNamingItAndStoresNothing(String headers, String field, CapturedOutput output) {
        String path = "/headers/never-" + UNIQUE.incrementAndGet() + ".bin";
        int before = api.get("/api/v1/jobs?limit=1").json().get("total").asInt();

        Response response = record(api.post("/api/v1/jobs", "application/json",
                "{\"urls\": [\"" + origin.url(path) + "\"], \"headers\": " + headers + "}", Map.of()));

        assertThat(response.status()).as(response.body()).isEqualTo(400);
        assertThat(response.json().get("errors").valueStream().map(error -> error.get("field").asString()))
                .as(response.body()).containsExactly(field);
        assertThat(api.get("/api/v1/jobs?limit=1").json().get("total").asInt()).isEqualTo(before);
        assertThat(origin.requestCount(path)).isZero();
        assertNoSecretIn(output);
    }

    @Test
    void listsEveryBadHeaderOfARequestAtOnce() {
        Response response = record(api.post("/api/v1/jobs", "application/json",
                "{\"urls\": [\"" + origin.url("/headers/never.bin") + "\"], \"headers\": {\"X-Fine\": \"" + API_KEY
                        + "\", \"Host\": \"example.org\", \"X-Bad\": \"a\\nb\", \"Range\": \"bytes=0-\"}}",
                Map.of()));

        assertThat(response.status()).as(response.body()).isEqualTo(400);
        assertThat(response.json().get("errors").valueStream().map(error -> error.get("field").asString()))
                .containsExactlyInAnyOrder("headers.Host", "headers.X-Bad", "headers.Range");
        assertThat(response.body()).doesNotContain(API_KEY);
    }

    @Test
    void takesSixtyFourHeadersOfEightKibibytesInAll() {
        String path = "/headers/most-" + UNIQUE.incrementAndGet() + ".bin";
        origin.file(path, 100, 9);
        // 64 names "X-Hnn" (5 bytes) with values of 123 bytes: 64 x 128 = 8192 bytes.
        String headers = manyHeaders(64, 123);

        Response response = api.post("/api/v1/jobs", "application/json",
                "{\"urls\": [\"" + origin.url(path) + "\"], \"headers\": " + headers + "}", Map.of());

        assertThat(response.status()).as(response.body()).isEqualTo(202);
        assertThat(response.json().get("headers").size()).isEqualTo(64);
        api.awaitState(response.json().get("id").asString(), "SUCCEEDED", FINISHES);
        RecordedRequest request = origin.requests(path).get(0);
        assertThat(request.header("X-H00")).hasSize(123);
        assertThat(request.header("X-H63")).hasSize(123);
    }

    @Test
    void anIdempotencyKeyBindsTheHeaderValuesToo() {
        String url = origin.url("/headers/idempotent.bin");
        origin.file("/headers/idempotent.bin", 100, 10);
        String key = "headers-key-" + UNIQUE.incrementAndGet();
        String body = submission(Map.of("Authorization", "Bearer " + TOKEN), url);

        Response first = api.post("/api/v1/jobs", "application/json", body, Map.of("Idempotency-Key", key));
        Response repeated = api.post("/api/v1/jobs", "application/json", body, Map.of("Idempotency-Key", key));
        Response otherValue = api.post("/api/v1/jobs", "application/json",
                submission(Map.of("Authorization", "Bearer other-" + TOKEN), url), Map.of("Idempotency-Key", key));

        assertThat(first.status()).as(first.body()).isEqualTo(202);
        assertThat(repeated.status()).as(repeated.body()).isEqualTo(200);
        assertThat(repeated.json().get("id").asString()).isEqualTo(first.json().get("id").asString());
        assertThat(otherValue.status()).as(otherValue.body()).isEqualTo(422);
    }

    /** Credentials, a custom header and a User-Agent that replaces Fetchline's own. */
    private static Map<String, String> allHeaders() {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Authorization", "Bearer " + TOKEN);
        headers.put("Cookie", COOKIE);
        headers.put("Proxy-Authorization", PROXY);
        headers.put("X-Api-Key", API_KEY);
        headers.put("User-Agent", "mirror-bot/2.0 (+https://example.org)");
        return headers;
    }

    private String submit(Map<String, String> headers, String... urls) {
        Response response = record(api.post("/api/v1/jobs", "application/json", submission(headers, urls), Map.of()));
        assertThat(response.status()).as(response.body()).isEqualTo(202);
        return response.json().get("id").asString();
    }

    private static String submission(Map<String, String> headers, String... urls) {
        ObjectNode body = JSON.createObjectNode();
        body.putArray("urls").addAll(Stream.of(urls).map(JSON.getNodeFactory()::stringNode).toList());
        ObjectNode values = body.putObject("headers");
        headers.forEach(values::put);
        return body.toString();
    }

    /** {@code count} headers X-H00, X-H01, … with values of {@code length} characters. */
    private static String manyHeaders(int count, int length) {
        ObjectNode headers = JSON.createObjectNode();
        for (int i = 0; i < count; i++) {
            headers.put(String.format("X-H%02d", i), "v".repeat(length));
        }
        return headers.toString();
    }

    /** Every value shown as ***, under its name, in the order given. */
    private static void assertMasked(JsonNode job, Map<String, String> headers) {
        JsonNode shown = job.get("headers");
        assertThat(shown.propertyNames()).as(job.toString()).containsExactlyElementsOf(headers.keySet());
        assertThat(shown.valueStream().map(JsonNode::asString)).as(job.toString()).allMatch("***"::equals);
    }

    private void assertNoSecretIn(CapturedOutput output) {
        for (String secret : SECRETS) {
            assertThat(responses).allSatisfy(response -> assertThat(response.body()).doesNotContain(secret));
            assertThat(output.getAll()).doesNotContain(secret);
        }
    }

    private Response record(Response response) {
        responses.add(response);
        return response;
    }
}
