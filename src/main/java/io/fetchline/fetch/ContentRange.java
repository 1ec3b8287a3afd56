package io.fetchline.fetch;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A {@code Content-Range} header: {@code bytes 100-199/1000}, {@code bytes 100-199/*} or {@code bytes *}{@code /1000}. */
public record ContentRange(long start, long end, long total) {

    private static final Pattern RANGE = Pattern.compile("\\s*bytes\\s+(?:(\\d+)-(\\d+)|\\*)/(\\d+|\\*)\\s*",
            Pattern.CASE_INSENSITIVE);

    /** Null when absent or malformed. */
    public static ContentRange parse(String header) {
        if (header == null) {
            return null;
        }
        Matcher m = RANGE.matcher(header);
        if (!m.matches()) {
            return null;
        }
        try {
            long start = m.group(1) == null ? -1 : Long.parseLong(m.group(1));
            long end = m.group(2) == null ? -1 : Long.parseLong(m.group(2));
            long total = m.group(3).equals("*") ? -1 : Long.parseLong(m.group(3));
            if (start > end || (total >= 0 && end >= total)) {
                return null;
            }
            return new ContentRange(start, end, total);
        } catch (NumberFormatException tooLong) {
            return null;
        }
    }

    public Long totalOrNull() {
        return total < 0 ? null : total;
    }
}
