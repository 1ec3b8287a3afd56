package io.fetchline.job;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A job as users see it. {@code bytesExpected} is null while any item's size is unknown.
 *
 * @param maxBytesPerSecond the job's bandwidth limit, or null for none
 * @param headerNames the names of the job's request headers, in the order given; their values stay in the store
 *     and with the transfers that send them
 */
public record Job(
        UUID id,
        String label,
        JobState state,
        Instant createdAt,
        Instant startedAt,
        Instant finishedAt,
        ItemCounts items,
        long bytesDownloaded,
        Long bytesExpected,
        int priority,
        Long maxBytesPerSecond,
        List<String> headerNames) {

    public Job {
        headerNames = List.copyOf(headerNames);
    }

    public String directory() {
        return id.toString();
    }

    /** What the job's items add up to. */
    public record Progress(ItemCounts counts, long bytesDownloaded, Long bytesExpected) {
    }

    public Job with(Progress progress) {
        return new Job(id, label, state, createdAt, startedAt, finishedAt, progress.counts(),
                progress.bytesDownloaded(), progress.bytesExpected(), priority, maxBytesPerSecond, headerNames);
    }
}
