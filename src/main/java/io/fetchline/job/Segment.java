package io.fetchline.job;

import java.util.ArrayList;
import java.util.List;

/**
 * One range of a segmented item's file, {@code [start, end)}, and how many of its bytes from {@code start} on are
 * stored without a gap: all that a resume of the segment may rely on.
 */
public record Segment(long start, long end, long stored) {

    public Segment {
        if (start < 0 || end <= start || stored < 0 || stored > end - start) {
            throw new IllegalArgumentException("not a segment: " + start + "-" + end + ":" + stored);
        }
    }

    public boolean complete() {
        return stored == end - start;
    }

    /** The stored form, {@code start-end:stored,…}; null for none. */
    static String format(List<Segment> segments) {
        if (segments.isEmpty()) {
            return null;
        }
        StringBuilder text = new StringBuilder(segments.size() * 24);
        for (Segment segment : segments) {
            if (!text.isEmpty()) {
                text.append(',');
            }
            text.append(segment.start).append('-').append(segment.end).append(':').append(segment.stored);
        }
        return text.toString();
    }

    /** Reads what {@link #format} wrote; empty for null. */
    static List<Segment> parse(String text) {
        if (text == null || text.isEmpty()) {
            return List.of();
        }
        List<Segment> segments = new ArrayList<>();
        for (String part : text.split(",")) {
            int dash = part.indexOf('-');
            int colon = part.indexOf(':');
            segments.add(new Segment(Long.parseLong(part.substring(0, dash)),
                    Long.parseLong(part.substring(dash + 1, colon)), Long.parseLong(part.substring(colon + 1))));
        }
        return List.copyOf(segments);
    }
}
