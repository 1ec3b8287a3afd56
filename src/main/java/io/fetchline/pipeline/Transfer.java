package io.fetchline.pipeline;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.TreeMap;
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

    /**
     * The store knows this attempt's file name. A file renamed into place before that could, after a crash, be
     * fetched again under a new name, so completion waits for it.
     */
    volatile boolean nameRecorded;
    volatile long bytes;
    volatile boolean endReached;
    volatile boolean cancelled;
    /** Left unfinished by a shutdown: recorded nowhere, resumed on the next start. */
    volatile boolean abandoned;
    volatile Exception storageFailure;
    private volatile OriginResponse response;

    /**
     * Length of the gap-free start of the file, which is all a resume may rely on. Writers store chunks in
     * parallel, so one can land before the chunk ahead of it, and a crash at that moment leaves a hole below
     * the file's end. -1 until the first chunk is about to be written.
     */
    private long storedPrefix = -1;
    /** Chunks stored beyond a gap, by offset, until the gap is filled. */
    private final TreeMap<Long, Integer> storedAhead = new TreeMap<>();

    Transfer(Item item, Instant startedAt) {
        this.item = item;
        this.attempt = item.attempts() + 1;
        this.startedAt = item.startedAt() != null ? item.startedAt() : startedAt;
        this.file = item.file();
        this.nameRecorded = item.file() != null;
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

    /** A writer is about to store a chunk. */
    synchronized void beforeWrite() throws IOException {
        if (storedPrefix < 0) {
            // No chunk of this attempt is stored yet, so the file holds exactly the bytes it resumes from.
            storedPrefix = channel.size();
        }
    }

    /** A writer has stored a chunk. */
    synchronized void stored(long offset, int length) {
        storedAhead.put(offset, length);
        while (!storedAhead.isEmpty() && storedAhead.firstKey() <= storedPrefix) {
            var next = storedAhead.pollFirstEntry();
            storedPrefix = Math.max(storedPrefix, next.getKey() + next.getValue());
        }
    }

    /** Bytes that are on disk without a gap; before the first write, those the attempt started from. */
    synchronized long storedBytes() {
        return storedPrefix >= 0 ? storedPrefix : bytes;
    }

    String sha256Hex() {
        return HexFormat.of().formatHex(digest.digest());
    }

    Item snapshot(ItemState state, String sha256, ItemError error, Instant finishedAt) {
        return new Item(item.jobId(), item.index(), item.url(), item.requestedName(), item.expectedSha256(), state,
                file, bytes, size, sha256, httpStatus, attempt, error, validator, startedAt, finishedAt);
    }

    /** The item while its attempt runs, with only the bytes already stored without a gap. */
    Item progress() {
        return new Item(item.jobId(), item.index(), item.url(), item.requestedName(), item.expectedSha256(),
                ItemState.ACTIVE, file, storedBytes(), size, null, httpStatus, attempt, null, validator, startedAt,
                null);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException("every JVM has SHA-256", ex);
        }
    }
}
