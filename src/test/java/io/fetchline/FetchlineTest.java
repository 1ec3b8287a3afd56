package io.fetchline;

import org.junit.jupiter.api.AfterEach;
import java.util.List;
import java.util.ArrayList;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.fetchline.origin.TestOrigin;

/**
 * The real service on a random port with its own H2 file and storage in a temp folder, and a real origin on
 * 127.0.0.1. Test classes that share these settings share one running service.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "fetchline.fetch.allowed-networks=127.0.0.0/8",
        "fetchline.fetch.retry-backoff=20ms",
        "fetchline.fetch.retry-backoff-max=200ms",
        "fetchline.fetch.read-timeout=3s",
        "fetchline.fetch.connect-timeout=2s",
        "management.prometheus.metrics.export.enabled=true"})
public abstract class FetchlineTest {

    protected static final Path HOME = newHome("fetchline-test-");

    protected static TestOrigin origin;

    @LocalServerPort
    protected int port;

    protected FetchlineClient api;

    @DynamicPropertySource
    static void storage(DynamicPropertyRegistry registry) {
        useHome(registry, HOME);
    }

    /** Points the service's storage and H2 database into {@code home}. */
    public static void useHome(DynamicPropertyRegistry registry, Path home) {
        registry.add("fetchline.storage.root", () -> home.resolve("downloads").toString());
        registry.add("spring.datasource.url",
                () -> "jdbc:h2:file:" + home.resolve("db/fetchline") + ";WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE");
    }

    @BeforeAll
    static void startOrigin() {
        origin = TestOrigin.start();
    }

    @AfterAll
    static void stopOrigin() {
        origin.close();
    }

    /** Jobs a test leaves unfinished; cancelled after it so that their slow transfers stop. */
    private final List<String> toCancel = new ArrayList<>();

    @BeforeEach
    void client() {
        api = new FetchlineClient(port);
    }

    @AfterEach
    void cancelLeftovers() {
        toCancel.forEach(id -> api.delete("/api/v1/jobs/" + id));
    }

    /** Cancels the job after the test, should it still run then; returns {@code jobId}. */
    protected String cancelAfterwards(String jobId) {
        toCancel.add(jobId);
        return jobId;
    }

    protected Path jobFolder(String jobId) {
        return HOME.resolve("downloads").resolve(jobId);
    }

    /**
     * A new folder for a service's files, under target/ rather than /tmp: the context outlives the class, so nothing
     * can delete it at the end; mvn clean does.
     */
    public static Path newHome(String prefix) {
        try {
            return Files.createTempDirectory(Files.createDirectories(Path.of("target", "test-homes").toAbsolutePath()),
                    prefix);
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }
}
