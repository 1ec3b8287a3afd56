package io.fetchline.origin;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import javax.net.ssl.SSLContext;

/**
 * A real HTTP/1.1 origin on 127.0.0.1 for integration tests, including misbehaving ones.
 *
 * <pre>{@code
 * try (TestOrigin origin = TestOrigin.start()) {
 *     byte[] data = origin.file("/a.bin", 100_000, 42);
 *     origin.route("/a.bin").truncateAfter(30_000).truncateTimes(1);
 *     ... download origin.url("/a.bin") and compare TestOrigin.sha256(data) ...
 * }
 * }</pre>
 *
 * Well-behaved and "slightly wrong" responses come from the JDK HttpServer; faults it cannot
 * produce (RST, never answering, malformed framing) come from a raw-socket listener on a
 * second port that the origin owns and closes with itself. {@link #startHttps} serves the same
 * routes over TLS instead (the raw listener stays plain).
 */
public final class TestOrigin implements AutoCloseable {

    static {
        // HttpServer leaves Nagle on by default; with small throttled writes and delayed ACKs the
        // client would see 40 ms hiccups that have nothing to do with the behaviour under test.
        // The property is read once per JVM, so it has to be set before the first server exists.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final int THREADS = 64;

    private final HttpServer server;
    private final String scheme;
    private final AtomicInteger tlsConnections = new AtomicInteger();
    private final ThreadPoolExecutor executor;
    private final Map<String, Route> routes = new ConcurrentHashMap<>();
    private final List<Served> log = new ArrayList<>();
    // Ordering by a counter rather than by clock readings keeps back-to-back requests from
    // looking simultaneous when two events land in the same nanoTime tick.
    private final AtomicLong ticks = new AtomicLong();
    private final CountDownLatch closing = new CountDownLatch(1);
    private final AtomicBoolean closed = new AtomicBoolean();
    private RawListener raw;

    private TestOrigin(SSLContext tls) throws IOException {
        executor = new ThreadPoolExecutor(THREADS, THREADS, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                daemonThreads("test-origin-http-"));
        executor.allowCoreThreadTimeOut(true);
        if (tls == null) {
            server = HttpServer.create(new InetSocketAddress(LOOPBACK, 0), 128);
            scheme = "http";
        } else {
            HttpsServer https = HttpsServer.create(new InetSocketAddress(LOOPBACK, 0), 128);
            https.setHttpsConfigurator(new HttpsConfigurator(tls) {
                @Override
                public void configure(HttpsParameters params) {
                    // Called once for every connection, as its TLS engine is set up: failed handshakes count too.
                    tlsConnections.incrementAndGet();
                    super.configure(params);
                }
            });
            server = https;
            scheme = "https";
        }
        server.setExecutor(executor);
        server.createContext("/", new OriginHandler(this));
        server.start();
    }

    /** Starts an origin on a random loopback port. */
    public static TestOrigin start() {
        try {
            return new TestOrigin(null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Starts an origin that serves https on a random loopback port with the certificate of {@code tls} (see
     * {@link TestAuthority#serverContext}); {@link #url} then gives https URLs.
     */
    public static TestOrigin startHttps(SSLContext tls) {
        try {
            return new TestOrigin(tls);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Connections whose TLS handshake began, trusted or not; always 0 for a plain http origin. */
    public int tlsConnections() {
        return tlsConnections.get();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /**
     * {@code http://127.0.0.1:PORT/path} ({@code https} for {@link #startHttps}); the path is used verbatim (keep
     * your percent-encoding).
     */
    public String url(String path) {
        return scheme + "://127.0.0.1:" + port() + normalize(path);
    }

    /** Registers {@code size} deterministic pseudo-random bytes at {@code path}; returns them. */
    public byte[] file(String path, int size, long seed) {
        return file(path, randomBytes(size, seed));
    }

    /** Registers {@code content} at {@code path} (replacing any previous body); returns it. */
    public byte[] file(String path, byte[] content) {
        route(path).content(content);
        return content;
    }

    /**
     * The behaviour object for {@code path}, created empty (0-byte body) if needed. The path is
     * matched against the raw request path; a route registered with a query ("/a?x=1") wins over
     * the bare path for requests carrying exactly that query.
     */
    public Route route(String path) {
        return routes.computeIfAbsent(normalize(path), p -> new Route(this, p));
    }

    /**
     * A raw-socket URL that answers with {@code content}'s headers (Content-Length, Accept-Ranges,
     * ETag, Range honoured) but resets the connection (SO_LINGER 0) after {@code after} body bytes.
     * Every GET resets.
     */
    public String resetUrl(byte[] content, long after) {
        return resetUrl(content, after, Integer.MAX_VALUE);
    }

    /** Like {@link #resetUrl(byte[], long)} but only the first {@code times} GETs reset; later ones succeed. */
    public String resetUrl(byte[] content, long after, int times) {
        return raw().reset(Entity.of(content.clone(), Instant.now().minus(Duration.ofHours(1))), after, times);
    }

    /** A raw-socket URL that accepts the connection, reads the request and never answers. */
    public String silentUrl() {
        return raw().silent();
    }

    /** A raw-socket URL that writes exactly these bytes as the response, then closes the connection. */
    public String rawUrl(byte[] responseBytes) {
        return raw().bytes(responseBytes.clone());
    }

    /** {@link #rawUrl(byte[])} for text; CR/LF must be spelled out. Encoded as ISO-8859-1. */
    public String rawUrl(String responseText) {
        return rawUrl(responseText.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Every request so far (both listeners), in arrival order. */
    public List<RecordedRequest> requests() {
        synchronized (log) {
            return log.stream().map(s -> s.request).toList();
        }
    }

    /** Requests whose raw path (query excluded) equals {@code path}, in arrival order. */
    public List<RecordedRequest> requests(String path) {
        String p = normalize(path);
        return requests().stream().filter(r -> r.path().equals(p)).toList();
    }

    public int requestCount(String path) {
        return requests(path).size();
    }

    /**
     * Largest number of requests whose path starts with {@code pathPrefix} that were being served
     * at the same time. A request counts from arrival until just before the last byte of its
     * response is handed to the socket (of a paced body the client closed early: until the last
     * piece that reached it), so a client that waits for a full response, or closes one, before
     * starting the next request never shows up as overlap.
     */
    public int maxConcurrent(String pathPrefix) {
        List<long[]> events = new ArrayList<>();
        synchronized (log) {
            for (Served s : log) {
                if (s.request.path().startsWith(pathPrefix)) {
                    events.add(new long[] {s.startTick, +1});
                    events.add(new long[] {s.endTick.get(), -1});
                }
            }
        }
        events.sort((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
        int current = 0;
        int max = 0;
        for (long[] e : events) {
            current += (int) e[1];
            max = Math.max(max, current);
        }
        return max;
    }

    /** Requests currently being served (held, delayed, streaming, stalled, or silently ignored). */
    public int inFlight() {
        synchronized (log) {
            return (int) log.stream().filter(s -> s.endTick.get() == Long.MAX_VALUE).count();
        }
    }

    /** Requests whose path starts with {@code pathPrefix} that are being served now, as {@link #inFlight()} counts. */
    public int inFlight(String pathPrefix) {
        synchronized (log) {
            return (int) log.stream()
                    .filter(s -> s.request.path().startsWith(pathPrefix) && s.endTick.get() == Long.MAX_VALUE)
                    .count();
        }
    }

    /** Lowercase hex SHA-256. */
    public static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The bytes {@link #file(String, int, long)} would serve; java.util.Random's algorithm is specified, so stable across JDKs. */
    public static byte[] randomBytes(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }

    /**
     * Stops both listeners and releases every stalled, held, delayed, throttled or silent
     * exchange; their connections are closed, so clients see EOF or a reset. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        closing.countDown();
        routes.values().forEach(Route::release);
        RawListener r;
        synchronized (this) {
            r = raw;
        }
        if (r != null) {
            r.close();
        }
        // Delay 0: handlers have been told to give up, and the whole point is a fast teardown.
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- package-private plumbing ---------------------------------------------------------

    Route lookup(String rawPath, String rawQuery) {
        if (rawQuery != null) {
            Route withQuery = routes.get(rawPath + "?" + rawQuery);
            if (withQuery != null) {
                return withQuery;
            }
        }
        return routes.get(rawPath);
    }

    Served begin(String method, String rawPath, String rawQuery, Map<String, List<String>> headers) {
        Served served = new Served(new RecordedRequest(method, rawPath, rawQuery, headers, Instant.now()),
                ticks.incrementAndGet());
        synchronized (log) {
            log.add(served);
        }
        return served;
    }

    boolean isClosing() {
        return closing.getCount() == 0;
    }

    /** Waits, but gives up with {@link Abort} as soon as the origin closes. */
    void pause(long nanos) throws Abort {
        if (nanos <= 0) {
            return;
        }
        try {
            if (closing.await(nanos, TimeUnit.NANOSECONDS)) {
                throw new Abort("origin closed");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Abort("interrupted");
        }
    }

    /** Blocks until the origin closes, then throws so the caller drops its connection. */
    void awaitClose() throws Abort {
        try {
            closing.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        throw new Abort("origin closed");
    }

    private synchronized RawListener raw() {
        if (closed.get()) {
            throw new IllegalStateException("origin closed");
        }
        if (raw == null) {
            try {
                raw = new RawListener(this);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return raw;
    }

    static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    private static String normalize(String path) {
        return path.startsWith("/") ? path : "/" + path;
    }

    /** A logged request plus the interval during which it counted as in flight. */
    final class Served {
        final RecordedRequest request;
        final long startTick;
        final AtomicLong endTick = new AtomicLong(Long.MAX_VALUE);

        Served(RecordedRequest request, long startTick) {
            this.request = request;
            this.startTick = startTick;
        }

        /** Tick of the last piece of a paced body that reached the socket. */
        private final AtomicLong lastWrite = new AtomicLong(Long.MAX_VALUE);

        /** A piece of a paced body reached the socket: the client was still there. */
        void wrote() {
            lastWrite.set(ticks.incrementAndGet());
        }

        /**
         * The client closed the connection before the whole body was sent. The origin learns of it only at the
         * next write, one pace later; the client left after the last write that went through, so the request ends
         * there, and a client that closes one request before starting another does not show up as overlap.
         */
        void abandoned() {
            long last = lastWrite.get();
            endTick.compareAndSet(Long.MAX_VALUE, last != Long.MAX_VALUE ? last : ticks.incrementAndGet());
        }

        /** Idempotent: the first call fixes the end of the interval. */
        void finish() {
            if (endTick.get() == Long.MAX_VALUE) {
                endTick.compareAndSet(Long.MAX_VALUE, ticks.incrementAndGet());
            }
        }
    }

    /**
     * Thrown out of a handler to make HttpServer drop the connection without completing the
     * response; that is the only way its public API offers to cut a body short.
     */
    static final class Abort extends IOException {
        Abort(String message) {
            super(message);
        }
    }
}
