package io.fetchline.job;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A job as users see it. {@code bytesExpected} is null while any item's size is unknown.
 *
 * @param maxBytesPerSecond the job's bandwidth limit, or null for none
 * @param webhook where the job's end is announced and how that went, or null for no webhook
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
        List<String> headerNames,
        WebhookStatus webhook) {

    public Job {
        headerNames = List.copyOf(headerNames);
    }

    public String directory() {
        return id.toString();
    }

    /** What the job's items add up to. */
    public record Progress(ItemCounts counts, long bytesDownloaded, Long bytesExpected) {
    }

    /**
     * The job's webhook without its secret.
     *
     * @param state how the announcement of the job's latest end stands; null while the job has not ended
     * @param attempts attempts of that announcement so far
     */
    public record WebhookStatus(String url, DeliveryState state, int attempts) {
    }

    public Job with(Progress progress) {
        return new Job(id, label, state, createdAt, startedAt, finishedAt, progress.counts(),
                progress.bytesDownloaded(), progress.bytesExpected(), priority, maxBytesPerSecond, headerNames,
                webhook);
    }
}
