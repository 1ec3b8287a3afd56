package io.fetchline.durability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fetchline.FetchlineClient;
import io.fetchline.origin.RecordedRequest;
import io.fetchline.origin.TestOrigin;
import tools.jackson.databind.JsonNode;

/** A job's request headers are stored with it: after SIGKILL the restarted service resumes with the same headers. */
class HeadersRestartIT extends ServiceProcessTest {

    private static final Duration FINISH = Duration.ofSeconds(90);
    private static final String TOKEN = "tok-restart-4c9d2e";
    private static final String COOKIE = "sid=restart-77b1";

    @Test
    void theRestartedServiceResumesWithTheStoredHeadersAndNeverLogsTheirValues() throws IOException {
        String path = "/restart/with-headers.bin";
        byte[] content = origin.file(path, 3 * MiB, 11);
        // Six seconds for the whole file: the kill lands mid-file.
        origin.route(path).bytesPerSecond(512 * 1024);
        service = new ServiceProcess("headers-restart", home);
        FetchlineClient first = service.start();
        FetchlineClient.Response submitted = first.post("/api/v1/jobs", "application/json",
                "{\"urls\": [\"" + origin.url(path) + "\"], \"headers\": {\"Authorization\": \"Bearer " + TOKEN
                        + "\", \"Cookie\": \"" + COOKIE + "\", \"User-Agent\": \"restart-bot/1\"}}", Map.of());
        assertThat(submitted.status()).as(submitted.body()).isEqualTo(202);
        String id = submitted.json().get("id").asString();
        await().atMost(FINISH).pollInterval(Duration.ofMillis(50))
                .until(() -> first.item(id, 0).get("bytes").asLong() >= 512 * 1024);

        service.kill();
        int requestsBefore = origin.requests(path).size();
        origin.route(path).bytesPerSecond(0);
        FetchlineClient api = service.start();

        JsonNode job = api.job(id);
        assertThat(job.get("headers").propertyNames()).as(job.toString())
                .containsExactly("Authorization", "Cookie", "User-Agent");
        assertThat(job.get("headers").valueStream().map(JsonNode::asString)).allMatch("***"::equals);
        api.awaitState(id, "SUCCEEDED", FINISH);
        assertThat(api.item(id, 0).get("sha256").asString()).isEqualTo(TestOrigin.sha256(content));
        List<RecordedRequest> requests = origin.requests(path);
        assertThat(requests.size()).as("requests after the restart").isGreaterThan(requestsBefore);
        assertThat(requests.get(requests.size() - 1).header("Range")).as("the resumed request").startsWith("bytes=");
        assertThat(requests).allSatisfy(request -> {
            assertThat(request.headers("Authorization")).containsExactly("Bearer " + TOKEN);
            assertThat(request.headers("Cookie")).containsExactly(COOKIE);
            assertThat(request.headers("User-Agent")).containsExactly("restart-bot/1");
        });
        service.terminate(Duration.ofSeconds(30));
        for (int start = 1; start <= 2; start++) {
            String log = Files.readString(service.log().resolveSibling("headers-restart-" + start + ".log"));
            assertThat(log).as("log of start %d", start).contains(id).doesNotContain(TOKEN).doesNotContain(COOKIE);
        }
    }
}
