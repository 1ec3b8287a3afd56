import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ClassicHttpResponse;

/**
 * The least a JVM downloader does per file, with Fetchline's HTTP client and hash: THREADS threads each take the
 * next URL, GET it over a pooled keep-alive connection, hash the body with SHA-256 while writing it to a new
 * {@code .part} file, and rename that into place. No job store, queues or API. bench/floor.sh runs it to show
 * how far the JVM and HttpClient 5 themselves are from curl on small files.
 *
 * <p>Usage: {@code java -cp <httpclient5 jars> Floor URLS THREADS DIR...}: one round per DIR, each into its own
 * folder; prints {@code round,seconds,cpu_seconds} per round.
 */
public class Floor {

    public static void main(String[] args) throws Exception {
        List<String> urls = Files.readAllLines(Path.of(args[0]));
        int threads = Integer.parseInt(args[1]);
        var connections = PoolingHttpClientConnectionManagerBuilder.create()
                .setMaxConnPerRoute(threads).setMaxConnTotal(threads).build();
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        try (CloseableHttpClient client = HttpClients.custom().setConnectionManager(connections)
                .disableAutomaticRetries().disableContentCompression().build()) {
            for (int round = 0; round < args.length - 2; round++) {
                Path dir = Path.of(args[round + 2]);
                AtomicInteger next = new AtomicInteger();
                AtomicReference<Exception> failure = new AtomicReference<>();
                long cpu = os.getProcessCpuTime();
                long start = System.nanoTime();
                Thread[] workers = new Thread[threads];
                for (int i = 0; i < threads; i++) {
                    workers[i] = new Thread(() -> {
                        try {
                            fetchAll(client, urls, next, dir);
                        } catch (Exception ex) {
                            failure.compareAndSet(null, ex);
                        }
                    });
                    workers[i].start();
                }
                for (Thread worker : workers) {
                    worker.join();
                }
                if (failure.get() != null) {
                    throw failure.get();
                }
                System.out.printf(Locale.ROOT, "%d,%.3f,%.3f%n", round, (System.nanoTime() - start) / 1e9,
                        (os.getProcessCpuTime() - cpu) / 1e9);
            }
        }
    }

    private static void fetchAll(CloseableHttpClient client, List<String> urls, AtomicInteger next, Path dir)
            throws Exception {
        MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
        byte[] buffer = new byte[256 * 1024];
        for (int n = next.getAndIncrement(); n < urls.size(); n = next.getAndIncrement()) {
            String url = urls.get(n);
            String name = url.substring(url.lastIndexOf('/') + 1);
            Path part = dir.resolve(name + ".part");
            try (ClassicHttpResponse response = client.executeOpen(null, new HttpGet(url), null);
                    FileChannel file = FileChannel.open(part, StandardOpenOption.CREATE_NEW,
                            StandardOpenOption.WRITE)) {
                if (response.getCode() != 200) {
                    throw new IllegalStateException(url + ": HTTP " + response.getCode());
                }
                InputStream body = response.getEntity().getContent();
                for (int read = body.read(buffer); read >= 0; read = body.read(buffer)) {
                    sha256.update(buffer, 0, read);
                    ByteBuffer bytes = ByteBuffer.wrap(buffer, 0, read);
                    while (bytes.hasRemaining()) {
                        file.write(bytes);
                    }
                }
            }
            // Computed like Fetchline's, for the same cost; bench/floor.sh checks the files with sha256sum.
            HexFormat.of().formatHex(sha256.digest());
            Files.move(part, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE);
        }
    }
}
