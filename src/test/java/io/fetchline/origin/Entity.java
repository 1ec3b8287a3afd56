package io.fetchline.origin;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Locale;

/**
 * An immutable snapshot of what a path serves, plus the RFC 9110 range/If-Range rules.
 * Shared by the HttpServer routes and the raw reset listener so both resume the same way.
 */
final class Entity {

    // RFC_1123_DATE_TIME prints single-digit days ("3 Jun"); HTTP-date requires two digits.
    private static final DateTimeFormatter HTTP_DATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);

    final byte[] content;
    /** Quoted strong ETag, or null when the route advertises none. */
    final String etag;
    /** Whole seconds (HTTP-date resolution), or null when the route advertises none. */
    final Instant lastModified;

    Entity(byte[] content, String etag, Instant lastModified) {
        this.content = content;
        this.etag = etag;
        this.lastModified = lastModified == null ? null : lastModified.truncatedTo(ChronoUnit.SECONDS);
    }

    static Entity of(byte[] content, Instant lastModified) {
        return new Entity(content, defaultEtag(content), lastModified);
    }

    static String defaultEtag(byte[] content) {
        return "\"" + TestOrigin.sha256(content).substring(0, 16) + "\"";
    }

    int length() {
        return content.length;
    }

    String lastModifiedHeader() {
        return lastModified == null ? null : HTTP_DATE.format(lastModified);
    }

    /** Strong comparison only: a weak validator in If-Range can never match (RFC 9110 13.1.5). */
    boolean ifRangeMatches(String ifRange) {
        String v = ifRange.trim();
        if (v.startsWith("W/")) {
            return false;
        }
        if (v.startsWith("\"")) {
            return etag != null && !etag.startsWith("W/") && etag.equals(v);
        }
        if (lastModified == null) {
            return false;
        }
        try {
            return ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().equals(lastModified);
        } catch (DateTimeParseException e) {
            return false;
        }
    }

    /**
     * Decides 200 / 206 / 416 for a GET. Anything we do not understand (multiple ranges, other
     * units, syntax errors) falls back to a full 200, which RFC 9110 allows a server to do.
     */
    Selection select(String range, String ifRange) {
        int len = content.length;
        Selection full = new Selection(200, 0, len, null);
        if (range == null) {
            return full;
        }
        if (ifRange != null && !ifRangeMatches(ifRange)) {
            return full;
        }
        String h = range.trim();
        if (!h.regionMatches(true, 0, "bytes=", 0, 6)) {
            return full;
        }
        String spec = h.substring(6).trim();
        int dash = spec.indexOf('-');
        if (spec.indexOf(',') >= 0 || dash < 0) {
            return full;
        }
        String first = spec.substring(0, dash).trim();
        String last = spec.substring(dash + 1).trim();
        long start;
        long end;
        try {
            if (first.isEmpty()) {
                if (last.isEmpty()) {
                    return full;
                }
                long suffix = Long.parseLong(last);
                if (suffix < 0) {
                    return full;
                }
                if (suffix == 0 || len == 0) {
                    return Selection.unsatisfiable(len);
                }
                start = Math.max(0, len - suffix);
                end = len - 1;
            } else {
                start = Long.parseLong(first);
                end = last.isEmpty() ? Long.MAX_VALUE : Long.parseLong(last);
                if (start < 0 || end < start) {
                    return full;
                }
                if (start >= len) {
                    return Selection.unsatisfiable(len);
                }
                end = Math.min(end, len - 1);
            }
        } catch (NumberFormatException e) {
            return full;
        }
        return new Selection(206, start, end - start + 1, "bytes " + start + "-" + end + "/" + len);
    }

    /** What part of the entity a response carries; {@code contentRange} is null for a plain 200. */
    record Selection(int status, long start, long length, String contentRange) {
        static Selection unsatisfiable(int len) {
            return new Selection(416, 0, 0, "bytes */" + len);
        }
    }
}
