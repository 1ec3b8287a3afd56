package io.fetchline.origin;

import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One request as the origin saw it.
 *
 * @param method    request method as sent, e.g. {@code GET}
 * @param path      raw (still percent-encoded) path without the query
 * @param query     raw query, or null
 * @param headers   request headers; lookups ignore case
 * @param arrivedAt when the origin started handling it
 */
public record RecordedRequest(String method, String path, String query, Map<String, List<String>> headers,
                              Instant arrivedAt) {

    public RecordedRequest {
        TreeMap<String, List<String>> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.forEach((name, values) -> copy.merge(name, List.copyOf(values), (a, b) -> {
            // A client may legally repeat a header; keep every value in arrival order.
            List<String> merged = new java.util.ArrayList<>(a);
            merged.addAll(b);
            return List.copyOf(merged);
        }));
        headers = Collections.unmodifiableMap(copy);
    }

    /** First value of the header, or null. */
    public String header(String name) {
        List<String> values = headers.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    /** All values of the header (empty if absent). */
    public List<String> headers(String name) {
        return headers.getOrDefault(name, List.of());
    }
}
