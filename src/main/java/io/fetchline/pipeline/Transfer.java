package io.fetchline.pipeline;

import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicInteger;

import io.fetchline.fetch.FetchFailure;
import io.fetchline.fetch.OriginResponse;
import io.fetchline.job.Item;
import io.fetchline.job.ItemError;
import io.fetchline.job.ItemState;

/**
 * One attempt at one item, shared by the fetcher that reads it and the writers that store its chunks. The
 * fetcher owns the fields until it hands the end chunk on; the writer that stores the last chunk finishes it.
 */
final class Transfer {

    final Item item;
    final int attempt;
    final Instant startedAt;
    final MessageDigest digest = sha256();
    /** Chunks handed to the writers and not yet stored, the end chunk included. */
    final AtomicInteger pending = new AtomicInteger();

    String file;
    Long size;
    Integer httpStatus;
    String validator;
    FileChannel channel;
    FetchFailure failure;
    /** The stored bytes no longer belong to this file: the next attempt starts from zero. */
    boolean restart;

    volatile long bytes;
    volatile boolean endReached;
    volatile boolean cancelled;
    /** Left unfinished by a shutdown: recorded nowhere, resumed on the next start. */
    volatile boolean abandoned;
    volatile Exception storageFailure;
    private volatile OriginResponse response;

    Transfer(Item item, Instant startedAt) {
        this.item = item;
        this.attempt = item.attempts() + 1;
        this.startedAt = item.startedAt() != null ? item.startedAt() : startedAt;
        this.file = item.file();
        this.size = item.size();
        this.validator = item.validator();
        this.bytes = item.bytes();
    }

    void opened(OriginResponse response) {
        this.response = response;
        if (cancelled || abandoned) {
            response.abort();
        }
    }

    void cancel() {
        cancelled = true;
        abort();
    }

    void abandon() {
        abandoned = true;
        abort();
    }

    private void abort() {
        OriginResponse current = response;
        if (current != null) {
            current.abort();
        }
    }

    String sha256Hex() {
        return HexFormat.of().formatHex(digest.digest());
    }

    Item snapshot(ItemState state, String sha256, ItemError error, Instant finishedAt) {
        return new Item(item.jobId(), item.index(), item.url(), item.requestedName(), item.expectedSha256(), state,
                file, bytes, size, sha256, httpStatus, attempt, error, validator, startedAt, finishedAt);
    }

    Item progress() {
        return snapshot(ItemState.ACTIVE, null, null, null);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException("every JVM has SHA-256", ex);
        }
    }
}
