package io.fetchline.pipeline;

import java.io.IOException;
import java.io.InputStream;
import java.util.function.BooleanSupplier;

import io.fetchline.fetch.ErrorCode;
import io.fetchline.fetch.FetchFailure;
import io.fetchline.fetch.OriginClient;
import io.fetchline.metrics.FetchlineMetrics;

/**
 * The per-byte path: reads a response body into pooled chunks, through the bandwidth limits, and hands them to
 * the transfer's writer. Shared by every fetcher and segment helper; it keeps no state of its own.
 */
final class BodyReader {

    private final ChunkPool pool;
    private final WriteQueues writeQueues;
    private final OriginClient client;
    private final FetchlineMetrics metrics;
    private final Long maxFileSize;
    /** The limit of all downloads together, or null. */
    private final TokenBucket bandwidth;

    BodyReader(ChunkPool pool, WriteQueues writeQueues, OriginClient client, FetchlineMetrics metrics,
            Long maxFileSize, TokenBucket bandwidth) {
        this.pool = pool;
        this.writeQueues = writeQueues;
        this.client = client;
        this.metrics = metrics;
        this.maxFileSize = maxFileSize;
        this.bandwidth = bandwidth;
    }

    /**
     * Streams the body, the file's bytes from {@code from} on, to its end; the transfer's {@code bytes} follow it.
     */
    void stream(Transfer transfer, JobSettings.Entry settings, InputStream body, long from)
            throws FetchFailure, InterruptedException {
        stream(transfer, settings, body, from, -1);
    }

    /**
     * Streams the body, the file's bytes from {@code from} on, up to {@code end} (exclusive), one segment of the
     * file; -1 reads to the body's end, the whole rest of the file. The rest of a longer body is left unread.
     */
    void stream(Transfer transfer, JobSettings.Entry settings, InputStream body, long from, long end)
            throws FetchFailure, InterruptedException {
        stream(transfer, settings, body, from, end, NO_DEADLINE);
    }

    /**
     * Streams the body, the file's bytes from {@code from} on, as {@link #stream(Transfer, JobSettings.Entry,
     * InputStream, long)} does, but only until {@code deadline} ({@link System#nanoTime()}): returns the offset
     * reached, which the rest of the body continues.
     */
    long streamUntil(Transfer transfer, JobSettings.Entry settings, InputStream body, long from, long deadline)
            throws FetchFailure, InterruptedException {
        return stream(transfer, settings, body, from, -1, deadline);
    }

    private static final long NO_DEADLINE = Long.MIN_VALUE;

    private long stream(Transfer transfer, JobSettings.Entry settings, InputStream body, long from, long end,
            long deadline) throws FetchFailure, InterruptedException {
        boolean segment = end >= 0;
        long offset = from;
        while (!segment || offset < end) {
            byte[] buffer = pool.take();
            int room = segment ? (int) Math.min(buffer.length, end - offset) : buffer.length;
            int length = 0;
            IOException error = null;
            boolean eof = false;
            try {
                while (length < room) {
                    // Read on every pass: a PATCH sets, changes or lifts the job's limit while the body streams.
                    TokenBucket job = settings.bucket();
                    int read = job == null && bandwidth == null ? body.read(buffer, length, room - length)
                            : throttledRead(transfer, job, body, buffer, length, room);
                    if (read < 0) {
                        eof = true;
                        break;
                    }
                    length += read;
                }
            } catch (IOException ex) {
                error = ex;
            } catch (InterruptedException ex) {
                pool.give(buffer);
                throw ex;
            }
            if (length > 0) {
                if (maxFileSize != null && offset + length > maxFileSize) {
                    pool.give(buffer);
                    throw new FetchFailure(ErrorCode.TOO_LARGE,
                            "body exceeds fetchline.fetch.max-file-size of " + maxFileSize + " bytes");
                }
                hand(transfer, new Chunk(transfer, buffer, length, offset, false), segment);
                offset += length;
                if (!segment) {
                    transfer.bytes = offset;
                }
                metrics.downloaded(length);
            } else {
                pool.give(buffer);
            }
            if (transfer.storageFailure != null) {
                throw new FetchFailure(ErrorCode.STORAGE, "cannot write " + transfer.file + ": "
                        + transfer.storageFailure.getMessage(), transfer.storageFailure);
            }
            if (error != null) {
                FetchFailure failure = client.failureOf(error);
                throw failure.code() == ErrorCode.TRUNCATED
                        ? new FetchFailure(ErrorCode.TRUNCATED, endedEarly(transfer, offset), error) : failure;
            }
            if (eof) {
                break;
            }
            if (deadline != NO_DEADLINE && System.nanoTime() - deadline >= 0) {
                return offset;
            }
        }
        long expected = segment ? end : transfer.size != null ? transfer.size : -1;
        if (expected >= 0 && offset < expected) {
            throw new FetchFailure(ErrorCode.TRUNCATED, endedEarly(transfer, offset));
        }
        if (transfer.size == null) {
            transfer.size = offset;
        }
        return offset;
    }

    /**
     * Reads what the job's limit, then the limit of all downloads, allow now, waiting for it on this thread. The job
     * comes first: a transfer waiting for its job's turn holds none of the bandwidth that other jobs share.
     */
    private int throttledRead(Transfer transfer, TokenBucket job, InputStream body, byte[] buffer, int offset,
            int room) throws IOException, InterruptedException {
        int allowance = room - offset;
        if (job != null) {
            allowance = Math.min(allowance, job.quantum());
        }
        if (bandwidth != null) {
            allowance = Math.min(allowance, bandwidth.quantum());
        }
        BooleanSupplier stopped = () -> transfer.stop() != null;
        int fromJob = job == null ? 0 : job.take(allowance, stopped);
        if (fromJob > 0) {
            allowance = fromJob;
        }
        int fromAll = bandwidth == null ? 0 : bandwidth.take(allowance, stopped);
        if (fromAll > 0) {
            allowance = fromAll;
        }
        int read = body.read(buffer, offset, allowance);
        if (fromJob > 0) {
            job.giveBack(fromJob - Math.max(read, 0));
        }
        if (fromAll > 0) {
            bandwidth.giveBack(fromAll - Math.max(read, 0));
        }
        return read;
    }

    /**
     * Queues a chunk for the writers, except the one that completes a file of known size fetched over one
     * connection: that one is held back to go with the end mark, so a small file is a single hand-off. Any other
     * chunk goes at once, so the stored bytes, and with them progress and resume, follow a slow body closely.
     */
    private void hand(Transfer transfer, Chunk chunk, boolean segment) throws InterruptedException {
        if (segment) {
            put(transfer, chunk);
            return;
        }
        if (transfer.tail != null) {
            // More bytes came after the "last" ones: the size was wrong, which the caller reports.
            put(transfer, transfer.tail);
            transfer.tail = null;
        }
        if (transfer.size != null && chunk.offset() + chunk.length() == transfer.size) {
            transfer.tail = chunk;
        } else {
            put(transfer, chunk);
        }
    }

    void put(Transfer transfer, Chunk chunk) throws InterruptedException {
        transfer.pending.incrementAndGet();
        writeQueues.put(chunk);
    }

    /** Counted in the file, not in the response: a resumed attempt's numbers add up across attempts. */
    private static String endedEarly(Transfer transfer, long offset) {
        return transfer.size == null ? "body ended at byte " + offset + " before its end was sent"
                : "body ended at byte " + offset + " of " + transfer.size;
    }
}
