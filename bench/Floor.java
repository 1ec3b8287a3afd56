import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.hc.client5.http.async.methods.AbstractBinResponseConsumer;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManagerBuilder;
import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.nio.support.AsyncRequestBuilder;
import org.apache.hc.core5.reactor.IOReactorConfig;

/**
 * The least a JVM downloader does per file, with Fetchline's HTTP client and hash: THREADS threads each take the
 * next URL, GET it over a pooled keep-alive connection, hash the body with SHA-256 while writing it to a new
 * {@code .part} file, and rename that into place. No queues or API, and no job store unless asked for one.
 * bench/floor.sh runs it to show how far the JVM and HttpClient 5 themselves are from curl on small files.
 *
 * <p>Usage: {@code java -cp <httpclient5 jars> Floor URLS THREADS [--async] [--store=JDBC_URL] DIR...}: one round
 * per DIR, each into its own folder; prints {@code round,seconds,cpu_seconds} per round. With {@code --async} the
 * same work goes through HttpClient 5's event-driven client instead: two I/O threads drive THREADS connections and
 * store each body as it arrives, as curl's one thread does, which tells whether an event-driven fetcher would be
 * cheaper per file than blocking threads. With {@code --store} (the H2 jar
 * on the class path) it also keeps Fetchline's durable state the way Fetchline does: each round inserts its items,
 * and one recorder thread writes every item twice (its file name when created, its end after the rename) in
 * batched updates, one commit every 10 ms, the round ending once all are written.
 */
public class Floor {

    public static void main(String[] args) throws Exception {
        List<String> urls = Files.readAllLines(Path.of(args[0]));
        int threads = Integer.parseInt(args[1]);
        int first = 2;
        boolean async = args[first].equals("--async");
        if (async) {
            first++;
        }
        Store store = null;
        if (args[first].startsWith("--store=")) {
            store = new Store(DriverManager.getConnection(args[first].substring("--store=".length()), "sa", ""));
            first++;
        }
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        try (Rounds rounds = async ? new AsyncRounds(threads) : new ClassicRounds(threads)) {
            for (int round = 0; round < args.length - first; round++) {
                Path dir = Path.of(args[round + first]);
                long cpu = os.getProcessCpuTime();
                long start = System.nanoTime();
                if (store != null) {
                    store.insert(round, urls);
                }
                rounds.fetchAll(urls, dir, store, round);
                if (store != null) {
                    store.awaitWritten(2 * urls.size());
                }
                System.out.printf(Locale.ROOT, "%d,%.3f,%.3f%n", round, (System.nanoTime() - start) / 1e9,
                        (os.getProcessCpuTime() - cpu) / 1e9);
            }
        }
    }

    private interface Rounds extends AutoCloseable {

        /** Downloads every URL into {@code dir}, each body hashed and renamed into place, or throws. */
        void fetchAll(List<String> urls, Path dir, Store store, int job) throws Exception;
    }

    /** THREADS blocking threads, each with its own pooled connection, as Fetchline's fetchers. */
    private static final class ClassicRounds implements Rounds {

        private final int threads;
        private final CloseableHttpClient client;

        ClassicRounds(int threads) {
            this.threads = threads;
            var connections = PoolingHttpClientConnectionManagerBuilder.create()
                    .setMaxConnPerRoute(threads).setMaxConnTotal(threads).build();
            this.client = HttpClients.custom().setConnectionManager(connections)
                    .disableAutomaticRetries().disableContentCompression().build();
        }

        @Override
        public void fetchAll(List<String> urls, Path dir, Store store, int job) throws Exception {
            AtomicInteger next = new AtomicInteger();
            AtomicReference<Exception> failure = new AtomicReference<>();
            Thread[] workers = new Thread[threads];
            for (int i = 0; i < threads; i++) {
                workers[i] = new Thread(() -> {
                    try {
                        fetchUntilDone(client, urls, next, dir, store, job);
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
        }

        @Override
        public void close() throws IOException {
            client.close();
        }
    }

    /** HttpClient 5's event-driven client: THREADS requests in flight, bodies stored on its two I/O threads. */
    private static final class AsyncRounds implements Rounds {

        private final int inFlight;
        private final CloseableHttpAsyncClient client;

        AsyncRounds(int inFlight) {
            this.inFlight = inFlight;
            var connections = PoolingAsyncClientConnectionManagerBuilder.create()
                    .setMaxConnPerRoute(inFlight).setMaxConnTotal(inFlight).build();
            this.client = HttpAsyncClients.custom().setConnectionManager(connections)
                    .setIOReactorConfig(IOReactorConfig.custom().setIoThreadCount(2).build())
                    .disableAutomaticRetries().build();
            client.start();
        }

        @Override
        public void fetchAll(List<String> urls, Path dir, Store store, int job) throws Exception {
            Semaphore slots = new Semaphore(inFlight);
            AtomicReference<Exception> failure = new AtomicReference<>();
            for (int n = 0; n < urls.size() && failure.get() == null; n++) {
                slots.acquire();
                client.execute(AsyncRequestBuilder.get(urls.get(n)).build(), new BodyToFile(dir, urls.get(n), store,
                        job, n), new FutureCallback<Void>() {
                            @Override
                            public void completed(Void result) {
                                slots.release();
                            }

                            @Override
                            public void failed(Exception ex) {
                                failure.compareAndSet(null, ex);
                                slots.release();
                            }

                            @Override
                            public void cancelled() {
                                failed(new CancellationException());
                            }
                        });
            }
            slots.acquire(inFlight);
            if (failure.get() != null) {
                throw failure.get();
            }
        }

        @Override
        public void close() throws IOException {
            client.close();
        }
    }

    /** One body, hashed and written as it arrives on an I/O thread, then renamed into place. */
    private static final class BodyToFile extends AbstractBinResponseConsumer<Void> {

        private final Path dir;
        private final String url;
        private final String name;
        private final Store store;
        private final int job;
        private final int index;
        private final MessageDigest sha256 = newSha256();
        private Path part;
        private FileChannel file;

        BodyToFile(Path dir, String url, Store store, int job, int index) {
            this.dir = dir;
            this.url = url;
            this.name = url.substring(url.lastIndexOf('/') + 1);
            this.store = store;
            this.job = job;
            this.index = index;
        }

        @Override
        protected void start(HttpResponse response, ContentType contentType) throws IOException {
            if (response.getCode() != 200) {
                throw new IOException(url + ": HTTP " + response.getCode());
            }
            part = dir.resolve(name + ".part");
            file = FileChannel.open(part, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            if (store != null) {
                store.record(new Row(job, index, "ACTIVE", name, null));
            }
        }

        @Override
        protected int capacityIncrement() {
            return 256 * 1024;
        }

        @Override
        protected void data(ByteBuffer bytes, boolean endOfStream) throws IOException {
            sha256.update(bytes.duplicate());
            while (bytes.hasRemaining()) {
                file.write(bytes);
            }
            if (endOfStream) {
                file.close();
                String hex = HexFormat.of().formatHex(sha256.digest());
                Files.move(part, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE);
                if (store != null) {
                    store.record(new Row(job, index, "SUCCEEDED", name, hex));
                }
            }
        }

        @Override
        protected Void buildResult() {
            return null;
        }

        @Override
        public void releaseResources() {
            try {
                if (file != null) {
                    file.close();
                }
            } catch (IOException ignored) {
                // The round fails on the exception that got here.
            }
        }
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
    }

    /** One blocking worker: takes the next URL until none is left. */
    private static void fetchUntilDone(CloseableHttpClient client, List<String> urls, AtomicInteger next, Path dir,
            Store store, int job) throws Exception {
        MessageDigest sha256 = newSha256();
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
                if (store != null) {
                    store.record(new Row(job, n, "ACTIVE", name, null));
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
            String hex = HexFormat.of().formatHex(sha256.digest());
            Files.move(part, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE);
            if (store != null) {
                store.record(new Row(job, n, "SUCCEEDED", name, hex));
            }
        }
    }

    private record Row(int job, int index, String state, String file, String sha256) {
    }

    /** Items in H2 as Fetchline keeps them, written by one recorder thread in batches. */
    private static final class Store {

        private final Connection db;
        private final ConcurrentLinkedQueue<Row> waiting = new ConcurrentLinkedQueue<>();
        private final AtomicInteger written = new AtomicInteger();
        private volatile RuntimeException failure;

        Store(Connection db) throws SQLException {
            this.db = db;
            try (Statement create = db.createStatement()) {
                create.execute("CREATE TABLE IF NOT EXISTS items (job_seq BIGINT NOT NULL, idx INT NOT NULL,"
                        + " url VARCHAR(8192) NOT NULL, state VARCHAR(16) NOT NULL, file VARCHAR(1024),"
                        + " sha256 CHAR(64), PRIMARY KEY (job_seq, idx))");
            }
            db.setAutoCommit(false);
            Thread recorder = new Thread(this::run, "recorder");
            recorder.setDaemon(true);
            recorder.start();
        }

        void insert(int job, List<String> urls) throws SQLException {
            synchronized (db) {
                try (PreparedStatement insert = db.prepareStatement(
                        "INSERT INTO items (job_seq, idx, url, state) VALUES (?, ?, ?, 'QUEUED')")) {
                    for (int i = 0; i < urls.size(); i++) {
                        insert.setInt(1, job);
                        insert.setInt(2, i);
                        insert.setString(3, urls.get(i));
                        insert.addBatch();
                        if (i % 1000 == 999 || i == urls.size() - 1) {
                            insert.executeBatch();
                        }
                    }
                    db.commit();
                }
            }
        }

        void record(Row row) {
            waiting.add(row);
        }

        void awaitWritten(int rows) throws InterruptedException {
            while (written.get() < rows) {
                if (failure != null) {
                    throw failure;
                }
                Thread.sleep(1);
            }
            written.set(0);
        }

        private void run() {
            try {
                while (true) {
                    TimeUnit.MILLISECONDS.sleep(10);
                    synchronized (db) {
                        int n = 0;
                        try (PreparedStatement update = db.prepareStatement("UPDATE items SET state = ?, file = ?,"
                                + " sha256 = ? WHERE job_seq = ? AND idx = ?")) {
                            for (Row row = waiting.poll(); row != null; row = waiting.poll()) {
                                update.setString(1, row.state());
                                update.setString(2, row.file());
                                update.setString(3, row.sha256());
                                update.setInt(4, row.job());
                                update.setInt(5, row.index());
                                update.addBatch();
                                n++;
                            }
                            if (n > 0) {
                                update.executeBatch();
                                db.commit();
                            }
                        }
                        written.addAndGet(n);
                    }
                }
            } catch (InterruptedException | SQLException ex) {
                failure = new IllegalStateException("recording failed", ex);
            }
        }
    }
}
