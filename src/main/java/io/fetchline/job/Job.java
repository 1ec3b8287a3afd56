package io.fetchline.job;

import java.time.Instant;
import java.util.UUID;

/**
 * A job as users see it. {@code bytesExpected} is null while any item's size is unknown.
 *
 * @param maxBytesPerSecond the job's bandwidth limit, or null for none
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
        Long maxBytesPerSecond) {

    public String directory() {
        return id.toString();
    }

    /** What the job's items add up to. */
    public record Progress(ItemCounts counts, long bytesDownloaded, Long bytesExpected) {
    }

    public Job with(Progress progress) {
        return new Job(id, label, state, createdAt, startedAt, finishedAt, progress.counts(),
                progress.bytesDownloaded(), progress.bytesExpected(), priority, maxBytesPerSecond);
    }
}
