package io.fetchline.origin;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Serves {@link Route}s on the HttpServer side of a {@link TestOrigin}. */
final class OriginHandler implements HttpHandler {

    private static final int UNTHROTTLED_PIECE = 64 * 1024;
    private static final int MAX_THROTTLED_PIECE = 16 * 1024;
    // About 20 pieces per second: coarse enough to be cheap, fine enough that a client
    // measuring throughput or idle time sees a steady trickle rather than bursts.
    private static final int PIECES_PER_SECOND = 20;

    private final TestOrigin origin;

    OriginHandler(TestOrigin origin) {
        this.origin = origin;
    }

    @Override
    public void handle(HttpExchange ex) throws IOException {
        URI uri = ex.getRequestURI();
        String path = uri.getRawPath();
        TestOrigin.Served served = origin.begin(ex.getRequestMethod(), path, uri.getRawQuery(),
                ex.getRequestHeaders());
        try {
            Route route = origin.lookup(path, uri.getRawQuery());
            if (route == null) {
                sendText(ex, served, 404, "no route for " + path + "\n");
                return;
            }
            if (!route.awaitGate()) {
                throw new TestOrigin.Abort("origin closed");
            }
            origin.pause(route.delay().toNanos());
            applyCustomHeaders(ex, route);

            Integer status = route.nextStatus();
            if (status != null) {
                if (route.retryAfterValue() != null) {
                    ex.getResponseHeaders().set("Retry-After", route.retryAfterValue());
                }
                sendText(ex, served, status, "status " + status + "\n");
                return;
            }
            if (route.redirectStatus() != 0) {
                ex.getResponseHeaders().set("Location", route.redirectLocation());
                sendText(ex, served, route.redirectStatus(), "");
                return;
            }
            serveEntity(ex, served, route);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TestOrigin.Abort("interrupted");
        } finally {
            served.finish();
        }
    }

    private void serveEntity(HttpExchange ex, TestOrigin.Served served, Route route) throws IOException {
        Entity entity = route.entity();
        boolean head = "HEAD".equalsIgnoreCase(ex.getRequestMethod());
        boolean ranges = route.rangesEnabled();
        Headers req = ex.getRequestHeaders();
        // Range is only defined for GET (RFC 9110 14.2), so HEAD describes the full entity.
        Entity.Selection sel = ranges && !head
                ? entity.select(req.getFirst("Range"), req.getFirst("If-Range"))
                : new Entity.Selection(200, 0, entity.length(), null);

        Headers h = ex.getResponseHeaders();
        setDefault(h, "Content-Type", "application/octet-stream");
        if (ranges) {
            setDefault(h, "Accept-Ranges", "bytes");
        }
        if (entity.etag != null) {
            setDefault(h, "ETag", entity.etag);
        }
        if (entity.lastModified != null) {
            setDefault(h, "Last-Modified", entity.lastModifiedHeader());
        }
        if (sel.contentRange() != null) {
            h.set("Content-Range", sel.contentRange());
        }
        removeSuppressed(h, route);

        if (sel.status() == 416) {
            served.finish();
            ex.sendResponseHeaders(416, -1);
            ex.close();
            return;
        }
        if (head) {
            if (!route.isChunked()) {
                // HttpServer does not emit Content-Length for HEAD on its own and warns when
                // given one through sendResponseHeaders, so it is set by hand with -1 there.
                h.set("Content-Length", Long.toString(sel.length()));
            }
            served.finish();
            ex.sendResponseHeaders(200, -1);
            ex.close();
            return;
        }

        long length = sel.length();
        long cutAt = route.takeTruncation();
        boolean stall = false;
        if (cutAt < 0 || cutAt >= length) {
            cutAt = route.takeStall();
            stall = cutAt >= 0 && cutAt < length;
            if (!stall) {
                cutAt = -1;
            }
        }
        long toSend = cutAt >= 0 ? cutAt : length;
        boolean clean = cutAt < 0;

        if (clean && toSend == 0) {
            served.finish();
        }
        // For HttpServer 0 means "chunked" and -1 means "no body", hence the translation.
        ex.sendResponseHeaders(sel.status(), route.isChunked() ? 0 : (length == 0 ? -1 : length));
        OutputStream out = ex.getResponseBody();

        long bps = route.bytesPerSecondLimit();
        int piece = bps > 0
                ? (int) Math.max(1, Math.min(MAX_THROTTLED_PIECE, bps / PIECES_PER_SECOND))
                : UNTHROTTLED_PIECE;
        byte[] content = entity.content;
        long sent = 0;
        long t0 = System.nanoTime();
        while (sent < toSend) {
            if (bps > 0 && sent > 0) {
                // Pace against the start time rather than sleeping a fixed amount per piece, so
                // write latency does not accumulate into a lower rate than asked for.
                origin.pause(t0 + sent * 1_000_000_000L / bps - System.nanoTime());
            }
            int n = (int) Math.min(piece, toSend - sent);
            if (clean && sent + n == toSend) {
                served.finish();
            }
            try {
                out.write(content, (int) (sel.start() + sent), n);
                if (bps > 0) {
                    out.flush();
                }
            } catch (IOException clientGone) {
                served.abandoned();
                throw clientGone;
            }
            if (bps > 0) {
                served.wrote();
            }
            sent += n;
        }
        if (clean) {
            out.close();
            return;
        }
        out.flush();
        if (stall) {
            origin.awaitClose();
        }
        served.finish();
        throw new TestOrigin.Abort("truncated after " + toSend + " bytes");
    }

    private static void sendText(HttpExchange ex, TestOrigin.Served served, int status, String text)
            throws IOException {
        setDefault(ex.getResponseHeaders(), "Content-Type", "text/plain; charset=utf-8");
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        boolean head = "HEAD".equalsIgnoreCase(ex.getRequestMethod());
        boolean bodiless = status < 200 || status == 204 || status == 304;
        served.finish();
        if (head || bodiless || body.length == 0) {
            if (head && !bodiless) {
                ex.getResponseHeaders().set("Content-Length", Integer.toString(body.length));
            }
            ex.sendResponseHeaders(status, -1);
            ex.close();
            return;
        }
        ex.sendResponseHeaders(status, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    private static void applyCustomHeaders(HttpExchange ex, Route route) {
        Headers h = ex.getResponseHeaders();
        route.headersSnapshot().forEach((name, value) -> {
            if (value != null) {
                h.set(name, value);
            }
        });
    }

    /** Custom headers are applied first; defaults only fill what the test did not choose. */
    private static void setDefault(Headers h, String name, String value) {
        if (!h.containsKey(name)) {
            h.set(name, value);
        }
    }

    private static void removeSuppressed(Headers h, Route route) {
        for (Map.Entry<String, String> e : route.headersSnapshot().entrySet()) {
            if (e.getValue() == null) {
                h.remove(e.getKey());
            }
        }
    }
}
