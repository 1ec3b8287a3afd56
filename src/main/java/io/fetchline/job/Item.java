package io.fetchline.job;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * One URL of a job and everything known about its download.
 *
 * @param url the URL as submitted, credentials included: mask it before it leaves the service
 * @param validator the ETag or Last-Modified of the stored bytes, for If-Range on resume
 * @param segments the ranges a segmented download stores its file in, each with its stored extent; empty for a
 *     file fetched over one connection. {@code bytes} is then the sum of the stored extents
 */
public record Item(
        UUID jobId,
        int index,
        String url,
        String requestedName,
        String expectedSha256,
        ItemState state,
        String file,
        long bytes,
        Long size,
        String sha256,
        Integer httpStatus,
        int attempts,
        ItemError error,
        String validator,
        Instant startedAt,
        Instant finishedAt,
        List<Segment> segments) {

    public Item {
        segments = segments == null ? List.of() : List.copyOf(segments);
    }

    /** An item fetched over one connection. */
    public Item(UUID jobId, int index, String url, String requestedName, String expectedSha256, ItemState state,
            String file, long bytes, Long size, String sha256, Integer httpStatus, int attempts, ItemError error,
            String validator, Instant startedAt, Instant finishedAt) {
        this(jobId, index, url, requestedName, expectedSha256, state, file, bytes, size, sha256, httpStatus, attempts,
                error, validator, startedAt, finishedAt, List.of());
    }
}
