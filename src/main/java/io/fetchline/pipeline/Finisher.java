package io.fetchline.pipeline;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.fetchline.fetch.FetchFailure;
import io.fetchline.fetch.RetryPolicy;
import io.fetchline.fetch.Urls;
import io.fetchline.fetch.ErrorCode;
import io.fetchline.job.Claims.Claimed;
import io.fetchline.job.Item;
import io.fetchline.job.ItemError;
import io.fetchline.job.ItemState;
import io.fetchline.metrics.FetchlineMetrics;
import io.fetchline.storage.Storage;

/**
 * Decides how an attempt ends once all its bytes are stored: the file renamed into place, another attempt
 * later, or the item failed with its reason. The one place item outcomes are decided.
 */
final class Finisher {

    private static final Logger log = LoggerFactory.getLogger(Finisher.class);

    private final Pipeline pipeline;
    private final Storage storage;
    private final RetryPolicy retryPolicy;
    private final FetchlineMetrics metrics;
    private final boolean fsync;

    Finisher(Pipeline pipeline, Storage storage, RetryPolicy retryPolicy, FetchlineMetrics metrics, boolean fsync) {
        this.pipeline = pipeline;
        this.storage = storage;
        this.retryPolicy = retryPolicy;
        this.metrics = metrics;
        this.fsync = fsync;
    }

    void finish(Transfer transfer) {
        FetchFailure failure = close(transfer);
        if (failure == null && transfer.stop() == null) {
            failure = hashRest(transfer);
        }
        settle(transfer, failure);
    }

    /**
     * Completes the digest with the stored bytes beyond what the writer hashed in order: the segments of a
     * segmented file after the first. Here, on the writer's thread, since the completion may run on the recorder's.
     */
    private FetchFailure hashRest(Transfer transfer) {
        if (transfer.hashed >= transfer.bytes || transfer.file == null) {
            return null;
        }
        try {
            storage.digestPart(transfer.item.jobId(), transfer.file, transfer.hashed, transfer.bytes, transfer.digest,
                    () -> transfer.stop() != null);
            transfer.hashed = transfer.bytes;
            return null;
        } catch (IOException | RuntimeException ex) {
            return new FetchFailure(ErrorCode.STORAGE, "cannot read " + transfer.file + " back for its SHA-256: "
                    + ex.getMessage(), ex);
        }
    }

    private void settle(Transfer transfer, FetchFailure closed) {
        FetchFailure failure = closed;
        if (stopped(transfer)) {
            return;
        }
        if (failure == null && !transfer.nameRecorded) {
            pipeline.afterNameRecorded(transfer, () -> settle(transfer, null));
            return;
        }
        if (failure == null) {
            failure = complete(transfer);
            if (failure == null) {
                return;
            }
        }
        if (retryPolicy.shouldRetry(failure, transfer.attempt)) {
            retryLater(transfer, failure);
            return;
        }
        discard(transfer);
        String message = failure.getMessage();
        if (transfer.attempt > 1) {
            message += " after " + transfer.attempt + " attempts";
        }
        message += retryPolicy.describeRetryAfter(failure);
        if (failure.httpStatus() != null) {
            transfer.httpStatus = failure.httpStatus();
        }
        log.warn("Item {} of job {} failed with {}: {} ({})", transfer.item.index(), transfer.item.jobId(),
                failure.code(), message, Urls.masked(transfer.item.url()));
        end(transfer, ItemState.FAILED, null, new ItemError(failure.code().name(), message));
    }

    /**
     * Ends a transfer that was stopped before its end: released to the queue with what it stored, or dropped.
     * Called again at the rename, the commit point that the store cannot undo; false when nothing stopped it.
     */
    private boolean stopped(Transfer transfer) {
        Transfer.Stop stop = transfer.stop();
        if (stop == null) {
            return false;
        }
        switch (stop) {
            case RELEASE -> pipeline.ended(transfer, transfer.released());
            case CANCEL -> {
                // The cancel itself recorded the item; recording here could undo a retry that came since.
                discard(transfer);
                pipeline.ended(transfer, null);
            }
            case LOST -> pipeline.ended(transfer, null);
        }
        return true;
    }

    /** Closes the file, forcing it to disk first when asked to; returns the first failure of the attempt. */
    private FetchFailure close(Transfer transfer) {
        FetchFailure failure = transfer.failure;
        if (failure == null && transfer.storageFailure != null) {
            failure = new FetchFailure(ErrorCode.STORAGE, "cannot write " + transfer.file + ": "
                    + transfer.storageFailure.getMessage(), transfer.storageFailure);
        }
        if (transfer.channel == null) {
            return failure;
        }
        try {
            if (failure == null && fsync) {
                transfer.channel.force(true);
            }
            transfer.closeFiles();
        } catch (IOException ex) {
            if (failure == null) {
                failure = new FetchFailure(ErrorCode.STORAGE, "cannot store " + transfer.file + ": "
                        + ex.getMessage(), ex);
            }
        }
        return failure;
    }

    /** Verifies and renames a fully stored file; returns why it could not be, or null when it is in place. */
    private FetchFailure complete(Transfer transfer) {
        String sha256 = transfer.sha256Hex();
        String expected = transfer.item.expectedSha256();
        if (expected != null && !expected.equalsIgnoreCase(sha256)) {
            // Not worth another attempt: the same bytes would come again.
            transfer.restart = true;
            return new FetchFailure(ErrorCode.CHECKSUM_MISMATCH, "SHA-256 is " + sha256 + ", expected "
                    + expected.toLowerCase(java.util.Locale.ROOT));
        }
        // The last moment to learn of a pause or a cancel before the file is in place for good.
        if (stopped(transfer)) {
            return null;
        }
        try {
            storage.complete(transfer.item.jobId(), transfer.file);
        } catch (IOException | RuntimeException ex) {
            return new FetchFailure(ErrorCode.STORAGE, "cannot move " + transfer.file + " into place: "
                    + ex.getMessage(), ex);
        }
        transfer.size = transfer.bytes;
        end(transfer, ItemState.SUCCEEDED, sha256, null);
        return null;
    }

    private void retryLater(Transfer transfer, FetchFailure failure) {
        if (transfer.restart) {
            truncate(transfer);
            transfer.segments = null;
        }
        Duration delay = retryPolicy.delayBefore(transfer.attempt + 1, failure);
        Item waiting = transfer.snapshot(ItemState.ACTIVE, null, new ItemError(failure.code().name(), failure.getMessage()
                + "; attempt " + (transfer.attempt + 1) + " in " + delay.toMillis() + " ms"), null);
        pipeline.ended(transfer, waiting);
        pipeline.dispatcher().retryAfter(new Claimed(waiting, transfer.claim), delay, () -> discard(transfer));
    }

    private void end(Transfer transfer, ItemState state, String sha256, ItemError error) {
        Item finished = transfer.snapshot(state, sha256, error, Instant.now());
        Duration took = Duration.between(transfer.startedAt, finished.finishedAt());
        if (state == ItemState.SUCCEEDED) {
            metrics.succeeded(took);
        } else {
            metrics.failed(took);
        }
        pipeline.ended(transfer, finished);
    }

    private void truncate(Transfer transfer) {
        transfer.bytes = 0;
        try (var channel = java.nio.channels.FileChannel.open(storage.part(transfer.item.jobId(), transfer.file),
                java.nio.file.StandardOpenOption.WRITE)) {
            channel.truncate(0);
        } catch (IOException | RuntimeException ignored) {
            // The next attempt truncates when it opens the file anyway.
        }
    }

    private void discard(Transfer transfer) {
        if (transfer.file != null) {
            storage.discard(transfer.item.jobId(), transfer.file);
        }
        // The item's bytes are those of its file, and there is none left.
        transfer.bytes = 0;
        transfer.segments = null;
    }
}
