package io.fetchline.origin;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP forward proxy for tests, as squid or tinyproxy behave for what Fetchline sends: absolute-form requests
 * for http URLs (one per connection, answered with {@code Connection: close}) and {@code CONNECT} tunnels for https.
 * It records every request it receives, can require Basic credentials (407 otherwise), and answers 502 when it
 * cannot reach the origin.
 *
 * <pre>{@code
 * try (TestProxy proxy = TestProxy.start(InetAddress.getByName("127.0.0.2"), Map.of("origin.test", loopback))) {
 *     proxy.requireCredentials("user", "secret");
 *     ... fetch through proxy.url() ...
 *     assertThat(proxy.requests()).extracting(TestProxy.Seen::requestLine)
 *             .contains("CONNECT origin.test:443 HTTP/1.1");
 * }
 * }</pre>
 */
public final class TestProxy implements AutoCloseable {

    /** Longer heads than this are a broken peer, not a request to pass on. */
    private static final int MAX_HEAD = 64 * 1024;
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-connection",
            "proxy-authorization", "te", "trailer", "upgrade");

    /** One request as the proxy received it; header names ignore case. */
    public record Seen(String method, String target, String requestLine, Map<String, String> headers) {

        public String header(String name) {
            return headers.get(name);
        }
    }

    private final ServerSocket server;
    private final Map<String, InetAddress> hosts;
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger connections = new AtomicInteger();
    private volatile String expectedAuthorization;
    private volatile boolean closed;

    private TestProxy(InetAddress address, Map<String, InetAddress> hosts) throws IOException {
        this.server = new ServerSocket(0, 50, address);
        this.hosts = Map.copyOf(hosts);
        Thread acceptor = new Thread(this::accept, "test-proxy-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /**
     * Starts a proxy listening on {@code address}, a random port.
     *
     * @param hosts names the proxy resolves itself, as a proxy with its own DNS would; others go to the JVM
     */
    public static TestProxy start(InetAddress address, Map<String, InetAddress> hosts) {
        try {
            return new TestProxy(address, hosts);
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    public int port() {
        return server.getLocalPort();
    }

    /** {@code http://host:port}, or with {@code user:password@} when given. */
    public String url(String user, String password) {
        String userInfo = user == null ? "" : user + ":" + password + "@";
        return "http://" + userInfo + server.getInetAddress().getHostAddress() + ":" + port();
    }

    /** From now on, answers 407 to anything without these Basic credentials; null user drops the requirement. */
    public void requireCredentials(String user, String password) {
        expectedAuthorization = user == null ? null : "Basic " + Base64.getEncoder()
                .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** Every request received so far, refused ones included, in arrival order. */
    public List<Seen> requests() {
        return List.copyOf(seen);
    }

    /** Connections accepted so far, whether or not a request followed. */
    public int connections() {
        return connections.get();
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly(server);
        open.forEach(TestProxy::closeQuietly);
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = server.accept();
                connections.incrementAndGet();
                open.add(client);
                Thread thread = new Thread(() -> serve(client), "test-proxy-" + connections.get());
                thread.setDaemon(true);
                thread.start();
            } catch (IOException ex) {
                if (!closed) {
                    throw new UncheckedIOException(ex);
                }
            }
        }
    }

    private void serve(Socket client) {
        try (client) {
            InputStream in = client.getInputStream();
            OutputStream out = client.getOutputStream();
            String head = RawListener.readHead(in, MAX_HEAD);
            if (head == null) {
                return;
            }
            String[] lines = head.split("\r\n");
            String[] requestLine = lines[0].split(" ");
            Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            List<String> forwarded = new ArrayList<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                String name = lines[i].substring(0, colon).trim();
                headers.put(name, lines[i].substring(colon + 1).trim());
                if (!HOP_BY_HOP.contains(name.toLowerCase(Locale.ROOT))) {
                    forwarded.add(lines[i]);
                }
            }
            seen.add(new Seen(requestLine[0], requestLine[1], lines[0], headers));
            String expected = expectedAuthorization;
            if (expected != null && !expected.equals(headers.get("Proxy-Authorization"))) {
                answer(out, "407 Proxy Authentication Required", "Proxy-Authenticate: Basic realm=\"test\"\r\n");
                return;
            }
            if (requestLine[0].equals("CONNECT")) {
                tunnel(client, requestLine[1]);
            } else {
                forward(client, URI.create(requestLine[1]), requestLine[0], forwarded);
            }
        } catch (IOException ex) {
            // The client or the origin went away; the proxy just drops the connection, as a real one would.
        } finally {
            open.remove(client);
        }
    }

    private void tunnel(Socket client, String authority) throws IOException {
        int colon = authority.lastIndexOf(':');
        Socket origin = connect(authority.substring(0, colon), Integer.parseInt(authority.substring(colon + 1)));
        if (origin == null) {
            answer(client.getOutputStream(), "502 Bad Gateway", "");
            return;
        }
        try (origin) {
            client.getOutputStream().write("HTTP/1.1 200 Connection established\r\n\r\n"
                    .getBytes(StandardCharsets.ISO_8859_1));
            Thread upstream = pipe(client, origin);
            pipe(origin, client).join();
            upstream.join();
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    private void forward(Socket client, URI target, String method, List<String> headers) throws IOException {
        int port = target.getPort() < 0 ? 80 : target.getPort();
        Socket origin = connect(target.getHost(), port);
        if (origin == null) {
            answer(client.getOutputStream(), "502 Bad Gateway", "");
            return;
        }
        try (origin) {
            StringBuilder request = new StringBuilder(method).append(' ').append(target.getRawPath())
                    .append(target.getRawQuery() == null ? "" : "?" + target.getRawQuery()).append(" HTTP/1.1\r\n");
            headers.forEach(line -> request.append(line).append("\r\n"));
            request.append("Connection: close\r\n\r\n");
            origin.getOutputStream().write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
            InputStream fromOrigin = origin.getInputStream();
            String head = RawListener.readHead(fromOrigin, MAX_HEAD);
            if (head == null) {
                answer(client.getOutputStream(), "502 Bad Gateway", "");
                return;
            }
            // One request per connection: the client must not try to reuse it.
            StringBuilder response = new StringBuilder();
            for (String line : head.split("\r\n")) {
                String lower = line.toLowerCase(Locale.ROOT);
                if (!lower.startsWith("connection:") && !lower.startsWith("keep-alive:")) {
                    response.append(line).append("\r\n");
                }
            }
            response.append("Connection: close\r\n\r\n");
            OutputStream out = client.getOutputStream();
            out.write(response.toString().getBytes(StandardCharsets.ISO_8859_1));
            fromOrigin.transferTo(out);
            out.flush();
        }
    }

    private Socket connect(String host, int port) {
        try {
            String bare = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
            InetAddress address = hosts.containsKey(bare) ? hosts.get(bare) : InetAddress.getByName(bare);
            Socket origin = new Socket();
            origin.connect(new InetSocketAddress(address, port), 5000);
            open.add(origin);
            return origin;
        } catch (IOException ex) {
            return null;
        }
    }

    private Thread pipe(Socket from, Socket to) {
        Thread thread = new Thread(() -> {
            try {
                from.getInputStream().transferTo(to.getOutputStream());
                to.shutdownOutput();
            } catch (IOException ex) {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "test-proxy-pipe");
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    private static void answer(OutputStream out, String status, String headers) throws IOException {
        out.write(("HTTP/1.1 " + status + "\r\n" + headers + "Content-Length: 0\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    private static void closeQuietly(java.io.Closeable closeable) {
        try {
            closeable.close();
        } catch (IOException ex) {
            // Closing anyway.
        }
    }
}
