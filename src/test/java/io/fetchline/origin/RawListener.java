package io.fetchline.origin;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The part of a {@link TestOrigin} that HttpServer cannot play: it owns its sockets, so it can
 * reset them, ignore them, or write bytes that are not valid HTTP. One request per connection.
 */
final class RawListener implements Closeable {

    private static final int MAX_REQUEST_HEAD = 64 * 1024;

    /** Writes the response; returns true to keep the socket open (it is then closed with the origin). */
    private interface Behaviour {
        boolean respond(Socket socket, Request request, TestOrigin.Served served) throws IOException;
    }

    private record Request(String method, String path, String query, Map<String, List<String>> headers) {
        String header(String name) {
            for (Map.Entry<String, List<String>> e : headers.entrySet()) {
                if (e.getKey().equalsIgnoreCase(name) && !e.getValue().isEmpty()) {
                    return e.getValue().get(0);
                }
            }
            return null;
        }
    }

    private final TestOrigin origin;
    private final ServerSocket server;
    private final ExecutorService pool = Executors.newCachedThreadPool(TestOrigin.daemonThreads("test-origin-raw-"));
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final Set<TestOrigin.Served> held = ConcurrentHashMap.newKeySet();
    private final Map<String, Behaviour> behaviours = new ConcurrentHashMap<>();
    private final AtomicInteger ids = new AtomicInteger();

    RawListener(TestOrigin origin) throws IOException {
        this.origin = origin;
        server = new ServerSocket();
        server.bind(new InetSocketAddress(TestOrigin.LOOPBACK, 0), 128);
        Thread acceptor = new Thread(this::acceptLoop, "test-origin-raw-accept-" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    String silent() {
        return register("silent", (socket, request, served) -> true);
    }

    String bytes(byte[] response) {
        return register("raw", (socket, request, served) -> {
            served.finish();
            OutputStream out = socket.getOutputStream();
            out.write(response);
            out.flush();
            // FIN after the bytes: the only framing a malformed response can rely on.
            socket.shutdownOutput();
            return false;
        });
    }

    String reset(Entity entity, long after, int times) {
        AtomicInteger remaining = new AtomicInteger(times);
        return register("reset", (socket, request, served) -> {
            boolean head = "HEAD".equalsIgnoreCase(request.method());
            Entity.Selection sel = head
                    ? new Entity.Selection(200, 0, entity.length(), null)
                    : entity.select(request.header("Range"), request.header("If-Range"));
            boolean resetThis = !head && sel.status() != 416
                    && remaining.getAndUpdate(n -> n == Integer.MAX_VALUE || n <= 0 ? n : n - 1) > 0;
            long bodyBytes = head ? 0 : (resetThis ? Math.min(after, sel.length()) : sel.length());

            StringBuilder sb = new StringBuilder()
                    .append("HTTP/1.1 ").append(sel.status()).append(' ').append(reason(sel.status())).append("\r\n")
                    .append("Content-Type: application/octet-stream\r\n")
                    .append("Accept-Ranges: bytes\r\n")
                    .append("ETag: ").append(entity.etag).append("\r\n")
                    .append("Last-Modified: ").append(entity.lastModifiedHeader()).append("\r\n")
                    .append("Content-Length: ").append(sel.length()).append("\r\n");
            if (sel.contentRange() != null) {
                sb.append("Content-Range: ").append(sel.contentRange()).append("\r\n");
            }
            sb.append("Connection: close\r\n\r\n");

            OutputStream out = socket.getOutputStream();
            if (!resetThis) {
                served.finish();
            }
            out.write(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.write(entity.content, (int) sel.start(), (int) bodyBytes);
            out.flush();
            served.finish();
            if (resetThis) {
                // Linger 0 turns close() into an RST, discarding anything still unsent.
                socket.setSoLinger(true, 0);
                socket.close();
            } else {
                socket.shutdownOutput();
            }
            return false;
        });
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException ignored) {
            // Already closed is fine.
        }
        for (Socket s : sockets) {
            closeQuietly(s);
        }
        held.forEach(TestOrigin.Served::finish);
        pool.shutdownNow();
    }

    private String register(String kind, Behaviour behaviour) {
        String path = "/raw/" + kind + "-" + ids.incrementAndGet();
        behaviours.put(path, behaviour);
        return "http://127.0.0.1:" + server.getLocalPort() + path;
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                return;
            }
            sockets.add(s);
            if (origin.isClosing()) {
                closeQuietly(s);
                continue;
            }
            try {
                pool.execute(() -> serve(s));
            } catch (RejectedExecutionException e) {
                closeQuietly(s);
            }
        }
    }

    private void serve(Socket socket) {
        boolean keepOpen = false;
        try {
            socket.setTcpNoDelay(true);
            Request request = readRequest(new BufferedInputStream(socket.getInputStream()));
            if (request == null) {
                return;
            }
            TestOrigin.Served served = origin.begin(request.method(), request.path(), request.query(),
                    request.headers());
            try {
                Behaviour behaviour = behaviours.get(request.path());
                if (behaviour == null) {
                    served.finish();
                    socket.getOutputStream().write(("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n"
                            + "Connection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    socket.shutdownOutput();
                    return;
                }
                keepOpen = behaviour.respond(socket, request, served);
            } finally {
                if (keepOpen) {
                    held.add(served);
                    // close() may have swept the set just before this request joined it.
                    if (origin.isClosing()) {
                        served.finish();
                        keepOpen = false;
                    }
                } else {
                    served.finish();
                }
            }
        } catch (IOException e) {
            // The client went away or the origin is closing; either way this connection is over.
        } finally {
            if (!keepOpen) {
                closeQuietly(socket);
                sockets.remove(socket);
            }
        }
    }

    /** Reads the request head (and any announced body, so closing never RSTs by accident). */
    private static Request readRequest(InputStream in) throws IOException {
        String head = readHead(in, MAX_REQUEST_HEAD);
        if (head == null) {
            return null;
        }
        String[] lines = head.split("\r\n");
        String[] requestLine = lines[0].split(" ");
        if (requestLine.length < 2) {
            throw new IOException("bad request line: " + lines[0]);
        }
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.computeIfAbsent(lines[i].substring(0, colon).trim(), k -> new ArrayList<>())
                        .add(lines[i].substring(colon + 1).trim());
            }
        }
        String target = requestLine[1];
        int q = target.indexOf('?');
        Request request = new Request(requestLine[0], q < 0 ? target : target.substring(0, q),
                q < 0 ? null : target.substring(q + 1), headers);
        String length = request.header("Content-Length");
        if (length != null) {
            in.skipNBytes(Long.parseLong(length.trim()));
        }
        return request;
    }

    /**
     * A request's or response's start line and headers, up to the empty line (not included), of at most {@code max}
     * bytes; null when the peer closed first.
     */
    static String readHead(InputStream in, int max) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                return null;
            }
            head.write(b);
            if (head.size() > max) {
                throw new IOException("head too large");
            }
            matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        String text = head.toString(StandardCharsets.ISO_8859_1);
        return text.substring(0, text.length() - 4);
    }

    private static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 206 -> "Partial Content";
            case 416 -> "Range Not Satisfiable";
            default -> "Status";
        };
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // Nothing useful to do: the socket is being discarded.
        }
    }
}
