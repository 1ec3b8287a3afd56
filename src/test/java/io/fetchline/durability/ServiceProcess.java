package io.fetchline.durability;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.fetchline.FetchlineClient;

/**
 * The packaged service as a separate JVM, so that it can be killed for real (SIGKILL, SIGTERM) and started again
 * on the same database and storage. It runs in a folder the test owns with the shipped settings, so the database
 * and downloads are under {@code ./data} and {@code ./downloads} there. Output goes to {@code target/it-logs}.
 */
final class ServiceProcess implements AutoCloseable {

    private static final Duration STARTUP = Duration.ofSeconds(120);

    private final String name;
    private final Path home;
    private final List<String> settings;
    private Process process;
    private Path log;
    private int starts;

    /**
     * @param settings extra {@code --name=value} arguments for every start
     */
    ServiceProcess(String name, Path home, String... settings) {
        this.name = name;
        this.home = home;
        this.settings = List.of(settings);
    }

    Path downloads() {
        return home.resolve("downloads");
    }

    Path log() {
        return log;
    }

    /** Starts the service, waits until its health is UP, and returns a client for it. */
    FetchlineClient start(String... moreSettings) {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("already running");
        }
        int port = freePort();
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                // The heap cap the service ships with (README, Dockerfile, spring-boot:run).
                "-Xmx160m",
                // Start-up time is most of a restart test; the service's speed hardly matters here.
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-jar", jar().toString(),
                "--server.port=" + port,
                "--fetchline.fetch.allowed-networks=127.0.0.0/8"));
        command.addAll(settings);
        command.addAll(List.of(moreSettings));
        starts++;
        try {
            Files.createDirectories(home);
            Files.createDirectories(Path.of("target", "it-logs"));
            log = Path.of("target", "it-logs", name + "-" + starts + ".log").toAbsolutePath();
            process = new ProcessBuilder(command)
                    .directory(home.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        FetchlineClient client = new FetchlineClient(port);
        await().atMost(STARTUP).pollInterval(Duration.ofMillis(200)).ignoreExceptions().until(() -> {
            if (!process.isAlive()) {
                throw new AssertionError("the service exited during start-up; see " + log);
            }
            FetchlineClient.Response health = client.get("/actuator/health");
            return health.status() == 200 && health.body().contains("\"status\":\"UP\"");
        });
        return client;
    }

    /** SIGKILL: nothing of the service runs after this, no shutdown hook, no last flush. */
    void kill() {
        process.destroyForcibly();
        awaitExit(Duration.ofSeconds(30));
    }

    /** SIGTERM, then waits up to {@code atMost} for the process to exit; returns how long it took. */
    Duration terminate(Duration atMost) {
        long start = System.nanoTime();
        process.destroy();
        if (!awaitExit(atMost)) {
            throw new AssertionError("the service did not exit within " + atMost + " of SIGTERM; see " + log);
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }

    /** Opens the stopped service's database, e.g. to see what it left behind. */
    Connection database() throws SQLException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("the service still has the database open");
        }
        return DriverManager.getConnection("jdbc:h2:file:" + home.resolve("data").resolve("fetchline"), "sa", "");
    }

    /** Every file name in the job's folder. */
    List<String> files(String jobId) throws IOException {
        List<String> names = new ArrayList<>();
        Path folder = downloads().resolve(jobId);
        if (Files.isDirectory(folder)) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(folder)) {
                files.forEach(file -> names.add(file.getFileName().toString()));
            }
        }
        names.sort(null);
        return names;
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            awaitExit(Duration.ofSeconds(30));
        }
    }

    private boolean awaitExit(Duration atMost) {
        try {
            return process.waitFor(atMost.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The jar {@code package} built; these tests run in {@code integration-test}, after it. */
    private static Path jar() {
        try (DirectoryStream<Path> jars = Files.newDirectoryStream(Path.of("target"), "fetchline-*.jar")) {
            for (Path jar : jars) {
                return jar.toAbsolutePath();
            }
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        throw new IllegalStateException("no target/fetchline-*.jar: run these tests with ./mvnw verify");
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }
}
