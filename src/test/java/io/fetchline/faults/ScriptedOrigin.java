package io.fetchline.faults;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * An origin that answers its n-th connection with the n-th scripted response, byte for byte, then closes. For
 * what {@link io.fetchline.origin.TestOrigin} cannot say: a different answer to the same request on each attempt,
 * such as a 206 for the wrong range or a 416 once every byte is stored.
 */
final class ScriptedOrigin implements AutoCloseable {

    private final ServerSocket server;
    private final List<byte[]> script;
    private final List<Map<String, String>> requests = new ArrayList<>();

    private ScriptedOrigin(List<byte[]> script) throws IOException {
        this.script = List.copyOf(script);
        this.server = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::serve, "scripted-origin-" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Starts an origin playing these responses in turn; the last one repeats. */
    static ScriptedOrigin playing(byte[]... responses) {
        try {
            return new ScriptedOrigin(List.of(responses));
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /** A response of this status line and headers (CRLF added) with the first {@code sent} bytes of the body. */
    static byte[] response(String statusAndHeaders, byte[] body, int sent) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes((statusAndHeaders.strip().replace("\n", "\r\n") + "\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        out.write(body, 0, sent);
        return out.toByteArray();
    }

    static byte[] response(String statusAndHeaders, byte[] body) {
        return response(statusAndHeaders, body, body.length);
    }

    String url(String path) {
        return "http://127.0.0.1:" + server.getLocalPort() + path;
    }

    /** Request headers of every connection so far, names in lower case. */
    synchronized List<Map<String, String>> requests() {
        return List.copyOf(requests);
    }

    @Override
    public void close() throws IOException {
        server.close();
    }

    private void serve() {
        for (int n = 0; !server.isClosed(); n++) {
            try (Socket socket = server.accept()) {
                // A client that never hangs up must not keep the next step from being served.
                socket.setSoTimeout(5_000);
                Map<String, String> headers = readHead(socket.getInputStream());
                synchronized (this) {
                    requests.add(headers);
                }
                OutputStream out = socket.getOutputStream();
                out.write(script.get(Math.min(n, script.size() - 1)));
                out.flush();
                // FIN, not RST: whatever was written reaches the client before it sees the end.
                socket.shutdownOutput();
                socket.getInputStream().transferTo(OutputStream.nullOutputStream());
            } catch (IOException closedOrGone) {
                // Either the origin is closing or the client hung up; the next connection gets the next step.
            }
        }
    }

    private static Map<String, String> readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.write(b);
            matched = b == (matched % 2 == 0 ? '\r' : '\n') ? matched + 1 : b == '\r' ? 1 : 0;
        }
        Map<String, String> headers = new TreeMap<>();
        String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        lines[i].substring(colon + 1).trim());
            }
        }
        return headers;
    }
}
