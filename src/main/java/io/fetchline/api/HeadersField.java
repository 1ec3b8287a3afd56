package io.fetchline.api;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import io.fetchline.job.RequestHeaders;
import tools.jackson.databind.JsonNode;

/**
 * The {@code headers} of a submission (API.md, Request headers): each bad one is listed as {@code headers.<name>},
 * and no error ever repeats a value, which may be a credential.
 */
final class HeadersField {

    static final int MAX_HEADERS = 64;
    static final int MAX_BYTES = 8 * 1024;
    /** RFC 9110's token: what a field name may be made of. */
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+\\-.^_`|~0-9A-Za-z]+");
    /** Framing, connection and range headers: Fetchline sets them itself, and a second value would break it. */
    private static final Set<String> REFUSED = Set.of("host", "content-length", "transfer-encoding", "connection",
            "keep-alive", "te", "trailer", "upgrade", "expect", "range", "if-range", "accept-encoding");

    private HeadersField() {
    }

    static RequestHeaders of(JsonNode node, List<ValidationError> errors) {
        if (node == null || node.isNull()) {
            return RequestHeaders.NONE;
        }
        if (!node.isObject()) {
            errors.add(ValidationError.ofField("headers", "must be an object of header names to string values"));
            return RequestHeaders.NONE;
        }
        int before = errors.size();
        if (node.size() > MAX_HEADERS) {
            errors.add(ValidationError.ofField("headers", "at most " + MAX_HEADERS + " headers, not " + node.size()));
        }
        Map<String, String> headers = new LinkedHashMap<>();
        Set<String> seen = new HashSet<>();
        long bytes = 0;
        for (Map.Entry<String, JsonNode> header : node.properties()) {
            String name = header.getKey();
            JsonNode value = header.getValue();
            String problem = problem(name, value);
            if (problem == null && !seen.add(name.toLowerCase(Locale.ROOT))) {
                problem = "given twice: header names ignore case";
            }
            if (problem != null) {
                errors.add(ValidationError.ofField("headers." + name, problem));
                continue;
            }
            // Every character that passes is one byte on the wire (ISO-8859-1).
            bytes += name.length() + value.asString().length();
            headers.put(name, value.asString());
        }
        if (bytes > MAX_BYTES) {
            errors.add(ValidationError.ofField("headers",
                    "names and values together may be at most " + MAX_BYTES + " bytes, not " + bytes));
        }
        return errors.size() == before ? new RequestHeaders(headers) : RequestHeaders.NONE;
    }

    private static String problem(String name, JsonNode value) {
        if (!TOKEN.matcher(name).matches()) {
            return "the name must be an HTTP token: letters, digits and !#$%&'*+-.^_`|~";
        }
        if (REFUSED.contains(name.toLowerCase(Locale.ROOT))) {
            return "Fetchline sets " + name + " itself";
        }
        if (!value.isString()) {
            return "the value must be a string";
        }
        String text = value.asString();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\r' || c == '\n' || c == 0) {
                return "the value must not hold CR, LF or NUL";
            }
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            // What HTTP/1.1 carries as is; HttpClient would send any other character as '?'.
            if (!(c == '\t' || (c >= 0x20 && c <= 0x7e) || (c >= 0xa0 && c <= 0xff))) {
                return "the value must not hold control characters or characters beyond U+00FF";
            }
        }
        return null;
    }
}
