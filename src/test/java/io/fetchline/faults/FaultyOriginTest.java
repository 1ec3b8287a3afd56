package io.fetchline.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import org.springframework.test.context.TestPropertySource;

import io.fetchline.FetchlineTest;
import io.fetchline.origin.TestOrigin;
import tools.jackson.databind.JsonNode;

/**
 * Settings that make faults cheap to provoke: three attempts, a one-second read timeout, a two-second cap on
 * Retry-After, three redirects, 1 MiB files, two connections per host and three fetchers (so a host at its limit
 * leaves exactly one fetcher for the others). Every class extending this one shares one running service.
 */
@TestPropertySource(properties = {
        "fetchline.fetch.max-attempts=3",
        "fetchline.fetch.read-timeout=1s",
        "fetchline.fetch.connect-timeout=1s",
        "fetchline.fetch.retry-backoff-max=2s",
        "fetchline.fetch.max-redirects=3",
        "fetchline.fetch.max-file-size=1MB",
        "fetchline.fetch.per-host-connections=2",
        "fetchline.pipeline.fetchers=3"})
abstract class FaultyOriginTest extends FetchlineTest {

    static final Duration FINISHES = Duration.ofSeconds(30);
    static final long MAX_FILE_SIZE = 1024 * 1024;

    /** An item as the API shows it, with the job it belongs to. */
    record Outcome(String job, JsonNode item) {

        String state() {
            return text(item, "state");
        }

        String file() {
            return text(item, "file");
        }

        int attempts() {
            return item.get("attempts").asInt();
        }

        String errorCode() {
            return item.get("error").isNull() ? null : item.get("error").get("code").asString();
        }

        String errorMessage() {
            return item.get("error").isNull() ? null : item.get("error").get("message").asString();
        }

        @Override
        public String toString() {
            return item.toString();
        }
    }

    /** Submits one URL, waits for its job to end, and returns the item. */
    Outcome fetchOne(String url) {
        String job = api.submit(List.of(url));
        api.awaitFinished(job, FINISHES);
        return new Outcome(job, api.item(job, 0));
    }

    Outcome item(String job, int index) {
        return new Outcome(job, api.item(job, index));
    }

    static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asString();
    }

    /** The item succeeded in this many attempts, and its file holds exactly {@code content}. */
    void assertStored(Outcome outcome, byte[] content, int attempts) {
        JsonNode item = outcome.item();
        assertThat(outcome.state()).as(outcome.toString()).isEqualTo("SUCCEEDED");
        assertThat(outcome.errorCode()).as(outcome.toString()).isNull();
        assertThat(outcome.attempts()).as(outcome.toString()).isEqualTo(attempts);
        assertThat(item.get("bytes").asLong()).isEqualTo(content.length);
        assertThat(item.get("size").asLong()).isEqualTo(content.length);
        assertThat(text(item, "sha256")).isEqualTo(TestOrigin.sha256(content));
        Path file = jobFolder(outcome.job()).resolve(outcome.file());
        assertThat(TestOrigin.sha256(read(file))).as("file on disk").isEqualTo(TestOrigin.sha256(content));
        assertThat(files(outcome.job())).as("no partial file left").noneMatch(name -> name.endsWith(".part"));
    }

    /** The item failed with this code after this many attempts, and left nothing on disk. */
    void assertFailed(Outcome outcome, String code, int attempts) {
        assertThat(outcome.state()).as(outcome.toString()).isEqualTo("FAILED");
        assertThat(outcome.errorCode()).as(outcome.toString()).isEqualTo(code);
        assertThat(outcome.attempts()).as(outcome.toString()).isEqualTo(attempts);
        assertThat(text(outcome.item(), "sha256")).isNull();
        assertThat(outcome.item().get("bytes").asLong()).as("bytes stored").isZero();
        assertThat(files(outcome.job())).as("files left in the job folder").isEmpty();
    }

    /** Body bytes the service has read from origins so far, as its metrics count them. */
    long downloadedBytes() {
        String metrics = api.get("/actuator/prometheus").body();
        return metrics.lines()
                .filter(line -> line.startsWith("fetchline_download_bytes_total"))
                .mapToLong(line -> (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no fetchline_download_bytes_total in " + metrics));
    }

    /** Names of the files in the job's folder, partial ones included. */
    List<String> files(String job) {
        Path folder = jobFolder(job);
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(folder)) {
            return entries.map(path -> path.getFileName().toString()).sorted().toList();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }
}
