package io.fetchline.job;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A job's request headers, name to value, in the order given. Values often are credentials: the text of this
 * record shows each of them as {@code ***}, so that logging a job's settings cannot leak one.
 */
public record RequestHeaders(Map<String, String> values) {

    public static final RequestHeaders NONE = new RequestHeaders(Map.of());

    public RequestHeaders {
        values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    public boolean isEmpty() {
        return values.isEmpty();
    }

    public List<String> names() {
        return List.copyOf(values.keySet());
    }

    @Override
    public String toString() {
        return values.keySet().stream().map(name -> name + "=***").collect(Collectors.joining(", ", "{", "}"));
    }

    /**
     * The stored form: an HTTP header block, one {@code Name: value} line each, ended by LF. Names are tokens and
     * values hold no CR, LF or NUL (the API refuses others), so it reads back exactly; null when there are none.
     */
    String block() {
        if (values.isEmpty()) {
            return null;
        }
        StringBuilder block = new StringBuilder();
        values.forEach((name, value) -> block.append(name).append(": ").append(value).append('\n'));
        return block.toString();
    }

    static RequestHeaders ofBlock(String block) {
        if (block == null || block.isEmpty()) {
            return NONE;
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (String line : block.split("\n")) {
            int colon = line.indexOf(": ");
            values.put(line.substring(0, colon), line.substring(colon + 2));
        }
        return new RequestHeaders(values);
    }

    /** Only the names of a stored block, for status reads, which never need the values. */
    static List<String> namesOfBlock(String block) {
        if (block == null || block.isEmpty()) {
            return List.of();
        }
        return block.lines().map(line -> line.substring(0, line.indexOf(':'))).toList();
    }
}
