package io.fetchline.durability;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import io.fetchline.FetchlineClient;
import io.fetchline.origin.TestOrigin;

/**
 * The measurement behind the default of {@code fetchline.storage.fsync}: many small files, where forcing each
 * one costs most, and a few large ones, with and without fsync, on the packaged service. Not part of the build:
 * {@code ./mvnw verify -Dit.test=FsyncBenchmarkIT -Dfetchline.benchmark=true}.
 */
@EnabledIfSystemProperty(named = "fetchline.benchmark", matches = "true")
class FsyncBenchmarkIT {

    private static final int SMALL_FILES = 2000;
    private static final int SMALL_SIZE = 16 * 1024;
    private static final int LARGE_FILES = 4;
    private static final int LARGE_SIZE = 64 * 1024 * 1024;

    private static TestOrigin origin;

    @TempDir
    Path home;

    @BeforeAll
    static void startOrigin() {
        origin = TestOrigin.start();
        for (int i = 0; i < SMALL_FILES; i++) {
            origin.file("/small/" + i + ".bin", SMALL_SIZE, i);
        }
        for (int i = 0; i < LARGE_FILES; i++) {
            origin.file("/large/" + i + ".bin", LARGE_SIZE, i);
        }
    }

    @AfterAll
    static void stopOrigin() {
        origin.close();
    }

    @Test
    void measure() {
        List<String> lines = new ArrayList<>();
        for (int round = 1; round <= 2; round++) {
            for (boolean fsync : new boolean[] {false, true}) {
                Path folder = home.resolve("round-" + round + "-" + fsync);
                try (ServiceProcess service = new ServiceProcess("fsync-" + fsync + "-" + round, folder,
                        "--fetchline.storage.fsync=" + fsync)) {
                    FetchlineClient api = service.start();
                    api.awaitState(api.submit(List.of(origin.url("/large/0.bin"))), "SUCCEEDED",
                            Duration.ofMinutes(5));
                    Duration small = timeJob(api, "/small/", SMALL_FILES);
                    Duration large = timeJob(api, "/large/", LARGE_FILES);
                    Duration submit = timeSubmits(api, 50);
                    lines.add(String.format(
                            "round %d fsync=%-5s %d x %d KiB: %6.0f files/s | %d x %d MiB: %6.1f MiB/s | submit %.1f ms",
                            round, fsync, SMALL_FILES, SMALL_SIZE / 1024,
                            SMALL_FILES / seconds(small), LARGE_FILES, LARGE_SIZE >> 20,
                            (double) LARGE_FILES * LARGE_SIZE / (1 << 20) / seconds(large),
                            seconds(submit) * 1000 / 50));
                }
            }
        }
        lines.forEach(System.out::println);
    }

    private static Duration timeJob(FetchlineClient api, String prefix, int count) {
        List<String> urls = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            urls.add(origin.url(prefix + i + ".bin"));
        }
        long start = System.nanoTime();
        String id = api.submit(urls);
        api.awaitState(id, "SUCCEEDED", Duration.ofMinutes(10));
        return Duration.ofNanos(System.nanoTime() - start);
    }

    private static Duration timeSubmits(FetchlineClient api, int count) {
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            api.post("/api/v1/jobs", "text/uri-list", origin.url("/small/0.bin") + "\n", Map.of());
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }

    private static double seconds(Duration duration) {
        return duration.toNanos() / 1e9;
    }
}
