package io.fetchline.job;

import java.time.Instant;
import java.util.UUID;

/**
 * One URL of a job and everything known about its download.
 *
 * @param url the URL as submitted, credentials included: mask it before it leaves the service
 * @param validator the ETag or Last-Modified of the stored bytes, for If-Range on resume
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
        Instant finishedAt) {
}
