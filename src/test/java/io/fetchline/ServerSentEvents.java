package io.fetchline;

import org.awaitility.Awaitility;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real client of an event stream: one HTTP/1.1 request, its body read line by line on a thread of its own as it
 * arrives, parsed as the SSE specification says, each event and comment stamped with when it arrived.
 */
public final class ServerSentEvents implements AutoCloseable {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** One event as received; {@code at} is System.nanoTime() when its blank line arrived. */
    public record Event(String id, String name, String data, long at) {

        public JsonNode json() {
            return JSON.readTree(data);
        }
    }

    private final HttpResponse<InputStream> response;
    private final List<Event> events = new CopyOnWriteArrayList<>();
    private final List<Comment> comments = new CopyOnWriteArrayList<>();
    private final Thread reader;
    private volatile boolean ended;

    private ServerSentEvents(HttpResponse<InputStream> response) {
        this.response = response;
        this.reader = new Thread(this::read, "sse-client");
        reader.setDaemon(true);
        if (response.statusCode() == 200) {
            reader.start();
        }
    }

    /** Opens {@code path} of the service on 127.0.0.1:{@code port}; {@code apiKey} may be null. */
    public static ServerSentEvents open(int port, String path, String apiKey) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Accept", "text/event-stream")
                .GET();
        if (apiKey != null) {
            request.header("Authorization", "Bearer " + apiKey);
        }
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        try {
            return new ServerSentEvents(http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream()));
        } catch (IOException ex) {
            throw new IllegalStateException(ex);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    public int status() {
        return response.statusCode();
    }

    public String header(String name) {
        return response.headers().firstValue(name).orElse(null);
    }

    /** The body of a response that is not a stream (a 401 or 404 problem). */
    public String body() {
        try (InputStream in = response.body()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException ex) {
            throw new IllegalStateException(ex);
        }
    }

    public List<Event> events() {
        return List.copyOf(events);
    }

    public List<Event> events(String name) {
        return events.stream().filter(event -> event.name().equals(name)).toList();
    }

    /** A comment line as received, without its colon; {@code at} as for events. */
    public record Comment(String text, long at) {
    }

    public List<Comment> comments() {
        return List.copyOf(comments);
    }

    /** When each keep-alive comment arrived (System.nanoTime()). */
    public List<Long> keepAlives() {
        return comments.stream().filter(comment -> comment.text().contains("keep-alive")).map(Comment::at).toList();
    }

    /** Whether the server ended the stream. */
    public boolean ended() {
        return ended;
    }

    /** Waits until an event matches, and returns it. */
    public Event await(Duration atMost, Predicate<Event> matching) {
        Awaitility.await().atMost(atMost).pollInterval(Duration.ofMillis(20))
                .until(() -> events.stream().anyMatch(matching));
        return events.stream().filter(matching).findFirst().orElseThrow();
    }

    public void awaitEnd(Duration atMost) {
        Awaitility.await().atMost(atMost).pollInterval(Duration.ofMillis(20)).until(() -> ended);
    }

    /** Goes away as a client that closes its connection does. */
    @Override
    public void close() {
        try {
            response.body().close();
        } catch (IOException ignored) {
            // Closing is all that is wanted.
        }
    }

    private void read() {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(),
                StandardCharsets.UTF_8))) {
            String id = null;
            String name = null;
            List<String> data = new ArrayList<>();
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                if (line.isEmpty()) {
                    if (!data.isEmpty()) {
                        events.add(new Event(id, name == null ? "message" : name, String.join("\n", data),
                                System.nanoTime()));
                    }
                    // Unlike a browser, which keeps the last id, so that an event without one shows.
                    id = null;
                    name = null;
                    data.clear();
                } else if (line.startsWith(":")) {
                    comments.add(new Comment(line.substring(1).trim(), System.nanoTime()));
                } else {
                    int colon = line.indexOf(':');
                    String field = colon < 0 ? line : line.substring(0, colon);
                    String value = colon < 0 ? "" : line.substring(colon + 1);
                    value = value.startsWith(" ") ? value.substring(1) : value;
                    switch (field) {
                        case "id" -> id = value;
                        case "event" -> name = value;
                        case "data" -> data.add(value);
                        default -> {
                            // Fields a client ignores.
                        }
                    }
                }
            }
            ended = true;
        } catch (IOException closedHere) {
            // This client closed the stream.
        }
    }
}
