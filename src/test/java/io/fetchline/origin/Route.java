package io.fetchline.origin;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Behaviour of one path on a {@link TestOrigin}. Every setter returns {@code this} and may be
 * called while requests are running; each request reads the settings when it reaches them.
 *
 * <p>Order of evaluation per request: {@link #hold()} gate, {@link #delayBeforeHeaders},
 * the next entry of {@link #status}, {@link #redirect}, then the content itself (ranges,
 * truncation/stall, throttle).
 */
public final class Route {

    private static final int UNLIMITED = Integer.MAX_VALUE;

    private final TestOrigin origin;
    private final String path;

    private volatile Entity entity;
    // The first body keeps the hour-old Last-Modified: a date that is not clearly in the past is
    // only a weak validator (RFC 9110 8.8.2.2), and resuming clients may rightly refuse it.
    private boolean contentSet;
    private volatile boolean chunked;
    private volatile boolean ranges = true;
    private volatile long bytesPerSecond;
    private volatile Duration delayBeforeHeaders = Duration.ZERO;
    private volatile String retryAfter;
    private volatile int redirectStatus;
    private volatile String redirectLocation;
    private volatile long truncateAfter = -1;
    private final AtomicInteger truncateRemaining = new AtomicInteger(UNLIMITED);
    private volatile long stallAfter = -1;
    private final AtomicInteger stallRemaining = new AtomicInteger(UNLIMITED);
    private volatile CountDownLatch gate;
    private final Deque<Integer> statuses = new ArrayDeque<>();
    private final Map<String, String> headers = new LinkedHashMap<>();

    Route(TestOrigin origin, String path) {
        this.origin = origin;
        this.path = path;
        this.entity = Entity.of(new byte[0], Instant.now().minus(Duration.ofHours(1)));
    }

    public String path() {
        return path;
    }

    public String url() {
        return origin.url(path);
    }

    public byte[] content() {
        return entity.content.clone();
    }

    /**
     * Sets the body. On replacement the ETag follows the new bytes and Last-Modified moves forward
     * one second, so an If-Range carrying the old validator (either kind) stops matching.
     */
    public synchronized Route content(byte[] content) {
        Entity old = entity;
        Instant lastModified = old.lastModified;
        if (contentSet && lastModified != null) {
            // One second is the smallest change an HTTP-date can show; staying near the original
            // (an hour back) keeps the new date a strong validator too.
            lastModified = lastModified.plusSeconds(1);
        }
        contentSet = true;
        String etag = old.etag == null ? null : Entity.defaultEtag(content);
        entity = new Entity(content.clone(), etag, lastModified);
        return this;
    }

    /** Overrides the ETag (give it quoted, e.g. {@code "\"v1\""} or {@code "W/\"v1\""}); null sends none. */
    public synchronized Route etag(String etag) {
        Entity old = entity;
        entity = new Entity(old.content, etag, old.lastModified);
        return this;
    }

    /** Overrides Last-Modified (second resolution); null sends none. */
    public synchronized Route lastModified(Instant lastModified) {
        Entity old = entity;
        entity = new Entity(old.content, old.etag, lastModified);
        return this;
    }

    /** No Content-Length; the body goes out with Transfer-Encoding: chunked. */
    public Route chunked() {
        this.chunked = true;
        return this;
    }

    /**
     * Sets a response header on every response of this route (after the defaults, so it can
     * replace Content-Type, ETag, Accept-Ranges...). A null value removes a default header.
     * Content-Length, Transfer-Encoding and Date belong to HttpServer and cannot be changed.
     */
    public Route header(String name, String value) {
        synchronized (headers) {
            headers.put(name, value);
        }
        return this;
    }

    /** Ignores Range/If-Range: always 200 with the full body, and no Accept-Ranges header. */
    public Route noRanges() {
        this.ranges = false;
        return this;
    }

    /** Paces the body at roughly this rate in small flushed pieces (0 = unthrottled). */
    public Route bytesPerSecond(long bytesPerSecond) {
        if (bytesPerSecond < 0) {
            throw new IllegalArgumentException("bytesPerSecond < 0");
        }
        this.bytesPerSecond = bytesPerSecond;
        return this;
    }

    /**
     * The next requests (any method) are answered with these statuses, one per request, before
     * the route serves normally again. A 2xx entry means "serve normally this time", so
     * {@code status(503, 503)} and {@code status(503, 503, 200)} behave alike. Replaces any
     * sequence not yet used up.
     */
    public Route status(int... statuses) {
        synchronized (this.statuses) {
            this.statuses.clear();
            Arrays.stream(statuses).forEach(this.statuses::add);
        }
        return this;
    }

    /** Retry-After value sent with the {@link #status} responses (null for none). */
    public Route retryAfter(String value) {
        this.retryAfter = value;
        return this;
    }

    /** Answers every request (after any status sequence) with this redirect; location is sent verbatim. */
    public Route redirect(int status, String location) {
        this.redirectLocation = location;
        this.redirectStatus = status;
        return this;
    }

    /**
     * Sends the normal headers (full Content-Length, or chunked) but closes the connection after
     * this many bytes of the response body. Counted per response, not as a file offset, so a
     * client resuming with Range gets another {@code bytes} each time. Applies to every GET
     * unless limited by {@link #truncateTimes}.
     */
    public Route truncateAfter(long bytes) {
        this.truncateAfter = bytes;
        return this;
    }

    /**
     * Only the next {@code k} body-carrying GETs (200/206, not HEAD or 416) are subject to
     * {@link #truncateAfter}; later ones are served whole. A GET whose body is not longer than
     * the cut-off still uses up one of the {@code k}.
     */
    public Route truncateTimes(int k) {
        truncateRemaining.set(k);
        return this;
    }

    /**
     * Sends this many body bytes, then keeps the connection open without writing anything until
     * the origin closes. Applies to every GET unless limited by {@link #stallTimes}.
     */
    public Route stallAfter(long bytes) {
        this.stallAfter = bytes;
        return this;
    }

    /** Only the next {@code k} body-carrying GETs stall. */
    public Route stallTimes(int k) {
        stallRemaining.set(k);
        return this;
    }

    /** Waits this long before sending the status line. */
    public Route delayBeforeHeaders(Duration delay) {
        this.delayBeforeHeaders = delay == null ? Duration.ZERO : delay;
        return this;
    }

    /**
     * Requests arriving from now on wait (already counted as in flight) until {@link #release()}.
     * Lets a test fill a connection limit deterministically instead of hoping for overlap.
     */
    public synchronized Route hold() {
        if (gate == null) {
            gate = new CountDownLatch(1);
        }
        return this;
    }

    /** Lets held and future requests through. */
    public synchronized Route release() {
        CountDownLatch g = gate;
        gate = null;
        if (g != null) {
            g.countDown();
        }
        return this;
    }

    // ---- read side, used by OriginHandler -------------------------------------------------

    Entity entity() {
        return entity;
    }

    boolean isChunked() {
        return chunked;
    }

    boolean rangesEnabled() {
        return ranges;
    }

    long bytesPerSecondLimit() {
        return bytesPerSecond;
    }

    Duration delay() {
        return delayBeforeHeaders;
    }

    String retryAfterValue() {
        return retryAfter;
    }

    int redirectStatus() {
        return redirectStatus;
    }

    String redirectLocation() {
        return redirectLocation;
    }

    Map<String, String> headersSnapshot() {
        synchronized (headers) {
            return new LinkedHashMap<>(headers);
        }
    }

    /** Next queued non-2xx status, or null to serve normally. Consumes one entry either way. */
    Integer nextStatus() {
        Integer next;
        synchronized (statuses) {
            next = statuses.poll();
        }
        return next == null || (next >= 200 && next < 300) ? null : next;
    }

    /** Body bytes after which this GET is cut off, or -1. Consumes one use of the budget. */
    long takeTruncation() {
        return take(truncateAfter, truncateRemaining);
    }

    long takeStall() {
        return take(stallAfter, stallRemaining);
    }

    private static long take(long bytes, AtomicInteger remaining) {
        if (bytes < 0) {
            return -1;
        }
        while (true) {
            int n = remaining.get();
            if (n <= 0) {
                return -1;
            }
            if (n == UNLIMITED || remaining.compareAndSet(n, n - 1)) {
                return bytes;
            }
        }
    }

    /** Blocks while the route is held; gives up (returns false) once the origin is closing. */
    boolean awaitGate() throws InterruptedException {
        while (true) {
            CountDownLatch g = gate;
            if (g == null) {
                return true;
            }
            if (g.await(50, TimeUnit.MILLISECONDS)) {
                // Re-reading the gate could trap this request in a later hold() it never asked for.
                return true;
            }
            if (origin.isClosing()) {
                return false;
            }
        }
    }
}
