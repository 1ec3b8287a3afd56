package io.fetchline.webhook;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A webhook receiver on a loopback address: it records every request it gets, with its body, and answers from a
 * script of statuses ({@link #answer}), then with 200. It checks signatures the way the Standard Webhooks
 * specification tells receivers to, with its own HMAC, independently of Fetchline's code.
 */
public final class WebhookReceiver implements AutoCloseable {

    /** A status in {@link #answer} that means: say nothing until the sender gives up or the receiver closes. */
    public static final int SILENCE = 0;

    /** One request as the receiver saw it. */
    public record Received(String method, String path, Map<String, List<String>> headers, String body,
            Instant arrivedAt) {

        public String header(String name) {
            List<String> values = headers.get(name);
            return values == null || values.isEmpty() ? null : values.get(0);
        }

        /**
         * Whether the {@code webhook-signature} verifies with the secret: HMAC-SHA256 of {@code id.timestamp.body}
         * keyed by the base64-decoded part after {@code whsec_}, compared in constant time, and a timestamp within
         * five minutes of now, as receivers are told to check against replays.
         */
        public boolean signedWith(String secret) {
            String id = header("webhook-id");
            String timestamp = header("webhook-timestamp");
            String signatures = header("webhook-signature");
            if (id == null || timestamp == null || signatures == null) {
                return false;
            }
            long sentAt = Long.parseLong(timestamp);
            if (Math.abs(Instant.now().getEpochSecond() - sentAt) > Duration.ofMinutes(5).toSeconds()) {
                return false;
            }
            byte[] expected;
            try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(Base64.getDecoder().decode(secret.substring("whsec_".length())),
                        "HmacSHA256"));
                expected = mac.doFinal((id + "." + timestamp + "." + body).getBytes(StandardCharsets.UTF_8));
            } catch (GeneralSecurityException ex) {
                throw new IllegalStateException(ex);
            }
            for (String signature : signatures.split(" ")) {
                if (signature.startsWith("v1,") && MessageDigest.isEqual(expected,
                        Base64.getDecoder().decode(signature.substring("v1,".length())))) {
                    return true;
                }
            }
            return false;
        }
    }

    private final HttpServer server;
    private final ExecutorService handlers = Executors.newFixedThreadPool(8);
    private final String host;
    private final Deque<Integer> script = new ArrayDeque<>();
    private final List<Received> received = new ArrayList<>();
    private final CountDownLatch closing = new CountDownLatch(1);
    private volatile String location = "/elsewhere";

    private WebhookReceiver(String host) {
        this.host = host;
        try {
            server = HttpServer.create(new InetSocketAddress(host, 0), 50);
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot listen on " + host, ex);
        }
        server.createContext("/", this::handle);
        server.setExecutor(handlers);
        server.start();
    }

    /** A receiver listening on {@code host}, e.g. {@code 127.0.0.1}, on a free port. */
    public static WebhookReceiver start(String host) {
        return new WebhookReceiver(host);
    }

    public String url(String path) {
        return "http://" + host + ":" + server.getAddress().getPort() + path;
    }

    /** The next requests get these statuses, one each, in order; then 200 again. Replaces what is left. */
    public WebhookReceiver answer(int... statuses) {
        synchronized (script) {
            script.clear();
            for (int status : statuses) {
                script.add(status);
            }
        }
        return this;
    }

    /** Where a 3xx answer points. */
    public WebhookReceiver location(String location) {
        this.location = location;
        return this;
    }

    public List<Received> received() {
        synchronized (received) {
            return List.copyOf(received);
        }
    }

    public List<Received> received(String path) {
        return received().stream().filter(request -> request.path().equals(path)).toList();
    }

    @Override
    public void close() {
        closing.countDown();
        server.stop(0);
        handlers.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange; InputStream in = exchange.getRequestBody()) {
            String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            exchange.getRequestHeaders().forEach((name, values) -> headers.put(name, List.copyOf(values)));
            synchronized (received) {
                received.add(new Received(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
                        headers, body, Instant.now()));
            }
            Integer scripted;
            synchronized (script) {
                scripted = script.poll();
            }
            int status = scripted == null ? 200 : scripted;
            if (status == SILENCE) {
                // Longer than any sender's timeout in the tests; the close ends it at the latest.
                closing.await(2, TimeUnit.MINUTES);
                return;
            }
            if (status >= 300 && status < 400) {
                exchange.getResponseHeaders().set("Location", location);
            }
            exchange.sendResponseHeaders(status, -1);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }
}
