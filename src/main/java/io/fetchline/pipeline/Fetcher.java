package io.fetchline.pipeline;

import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import io.fetchline.fetch.ContentRange;
import io.fetchline.fetch.ErrorCode;
import io.fetchline.fetch.FetchFailure;
import io.fetchline.fetch.OriginClient;
import io.fetchline.fetch.OriginResponse;
import io.fetchline.fetch.RetryPolicy;
import io.fetchline.job.Claims.Claimed;
import io.fetchline.job.Item;
import io.fetchline.metrics.FetchlineMetrics;
import io.fetchline.storage.Storage;

/**
 * One fetcher thread: takes an item, opens its response (resuming from the stored bytes when it can) and hands
 * the body to the writers chunk by chunk, which hash it as they store it.
 */
final class Fetcher implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(Fetcher.class);

    private final Pipeline pipeline;
    private final BlockingQueue<Claimed> fetchQueue;
    private final WriteQueues writeQueues;
    private final ChunkPool pool;
    private final OriginClient client;
    private final Storage storage;
    private final FetchlineMetrics metrics;
    private final Long maxFileSize;
    private final BodyReader reader;
    private final SegmentedFetch segmented;

    Fetcher(Pipeline pipeline, OriginClient client, Storage storage, FetchlineMetrics metrics, Long maxFileSize,
            BodyReader reader, SegmentedFetch segmented) {
        this.pipeline = pipeline;
        this.fetchQueue = pipeline.fetchQueue();
        this.writeQueues = pipeline.writeQueues();
        this.pool = pipeline.pool();
        this.client = client;
        this.storage = storage;
        this.metrics = metrics;
        this.maxFileSize = maxFileSize;
        this.reader = reader;
        this.segmented = segmented;
    }

    @Override
    public void run() {
        try {
            while (pipeline.isRunning()) {
                Claimed claimed = fetchQueue.poll(100, TimeUnit.MILLISECONDS);
                if (claimed != null) {
                    metrics.fetchers().incrementAndGet();
                    try {
                        fetch(claimed);
                    } finally {
                        metrics.fetchers().decrementAndGet();
                        pipeline.dispatcher().released(claimed.item());
                    }
                }
            }
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    private void fetch(Claimed claimed) throws InterruptedException {
        Item item = claimed.item();
        Transfer transfer = new Transfer(item, claimed.token(), Instant.now(), writeQueues.assign());
        pipeline.transfers().start(transfer);
        MDC.put("job", item.jobId().toString());
        MDC.put("item", Integer.toString(item.index()));
        JobSettings.Entry settings = null;
        try {
            // Stopped before it started (its job paused or cancelled a moment ago): the finisher lets go of it.
            if (transfer.stop() == null) {
                settings = pipeline.jobSettings().acquire(item.jobId());
                download(transfer, settings);
            }
        } catch (FetchFailure failure) {
            transfer.failure = failure;
        } catch (InterruptedException ex) {
            // Shutdown could not wait: the item stays claimed until the pipeline lets go of all it holds.
            transfer.stop(Transfer.Stop.RELEASE);
            closeQuietly(transfer);
            throw ex;
        } catch (RuntimeException | Error unexpected) {
            // A bug must cost this attempt, not the thread: a dead fetcher would leave the item ACTIVE, and its
            // job unfinished, until a restart. The code is one of API.md's; the message and the log say what it was.
            log.error("Item {} of job {} failed unexpectedly", item.index(), item.jobId(), unexpected);
            transfer.failure = new FetchFailure(ErrorCode.PROTOCOL,
                    "unexpected " + unexpected.getClass().getSimpleName() + " while fetching; see the service log",
                    unexpected);
        } finally {
            if (settings != null) {
                pipeline.jobSettings().release(item.jobId());
            }
            MDC.remove("job");
            MDC.remove("item");
        }
        Chunk last = transfer.tail != null ? transfer.tail.asLast() : Chunk.end(transfer);
        transfer.tail = null;
        reader.put(transfer, last);
    }

    private void download(Transfer transfer, JobSettings.Entry settings) throws FetchFailure, InterruptedException {
        Item item = transfer.item;
        long from;
        if (item.segments().isEmpty()) {
            from = storedBytes(transfer);
        } else if (segmented.resume(transfer, settings)) {
            return;
        } else {
            // The file changed since its segments were stored, or they are gone: it starts over.
            from = 0;
        }
        try (OriginResponse response = client.open(URI.create(item.url()), settings.headers.values(), from,
                from > 0 ? transfer.validator : null, transfer.cancellation)) {
            transfer.httpStatus = response.status();
            from = acceptRange(transfer, response, from);
            if (from < 0) {
                return;
            }
            long contentLength = response.contentLength();
            transfer.size = response.status() == 206
                    ? ContentRange.parse(response.header("Content-Range")).totalOrNull()
                    : contentLength >= 0 ? contentLength : null;
            if (transfer.size == null && response.status() == 206 && contentLength >= 0) {
                transfer.size = from + contentLength;
            }
            if (maxFileSize != null && transfer.size != null && transfer.size > maxFileSize) {
                throw new FetchFailure(ErrorCode.TOO_LARGE, "size " + transfer.size
                        + " bytes exceeds fetchline.fetch.max-file-size of " + maxFileSize + " bytes");
            }
            if (from == 0) {
                transfer.validator = validator(response);
            }
            name(transfer, response.header("Content-Disposition"));
            open(transfer, from);
            if (from == 0 && segmented.fetch(transfer, settings, response)) {
                return;
            }
            reader.stream(transfer, settings, response.body(), from);
        } catch (IOException ex) {
            throw transfer.stop() != null ? new FetchFailure(ErrorCode.CONNECTION, "stopped", ex)
                    : client.failureOf(ex);
        }
    }

    /**
     * What If-Range may carry on the next attempt: a strong ETag, else Last-Modified. A weak ETag never matches
     * in If-Range, so sending it would only make the origin send the whole file again.
     */
    private static String validator(OriginResponse response) {
        String etag = response.header("ETag");
        if (etag != null && !etag.trim().startsWith("W/")) {
            return etag.trim();
        }
        return response.header("Last-Modified");
    }

    /** Bytes already in the item's {@code .part} file, which a resumed attempt does not fetch again. */
    private long storedBytes(Transfer transfer) {
        if (transfer.file == null) {
            return 0;
        }
        try {
            Path part = storage.part(transfer.item.jobId(), transfer.file);
            return Files.exists(part) ? Files.size(part) : 0;
        } catch (IOException | IllegalArgumentException ex) {
            return 0;
        }
    }

    /**
     * Checks the status against what was asked for and returns the offset the body starts at, or -1 when the
     * stored bytes are already the whole file.
     */
    private long acceptRange(Transfer transfer, OriginResponse response, long from)
            throws FetchFailure, IOException, InterruptedException {
        int status = response.status();
        if (status == 206) {
            ContentRange range = ContentRange.parse(response.header("Content-Range"));
            // Bytes from the first one on are as good as a 200: the attempt then starts the file over.
            if (range != null && (range.start() == from || range.start() == 0)) {
                if (range.start() > 0) {
                    rehash(transfer, from);
                }
                return range.start();
            }
            transfer.restart = true;
            throw new FetchFailure(ErrorCode.PROTOCOL, "206 for another range (asked for bytes=" + from
                    + "-, got " + response.header("Content-Range") + "); starting over", 206, null, null);
        }
        if (status == 416 && from > 0) {
            ContentRange range = ContentRange.parse(response.header("Content-Range"));
            if (range != null && range.totalOrNull() != null && range.totalOrNull() == from) {
                transfer.size = from;
                rehash(transfer, from);
                transfer.bytes = from;
                transfer.httpStatus = 200;
                return -1;
            }
            transfer.restart = true;
            throw new FetchFailure(ErrorCode.PROTOCOL, "416 for the stored " + from + " bytes; starting over",
                    416, null, null);
        }
        if (status < 200 || status > 299) {
            throw new FetchFailure(ErrorCode.HTTP_STATUS, (status + " " + reason(response)).trim(), status,
                    RetryPolicy.parseRetryAfter(response.header("Retry-After"), Instant.now()), null);
        }
        // A full 200 answer to a ranged request: the origin does not do ranges, or the file changed.
        return 0;
    }

    private static String reason(OriginResponse response) {
        String reason = response.reason();
        return reason == null || reason.isBlank() ? "" : reason;
    }

    private void name(Transfer transfer, String contentDisposition) throws FetchFailure {
        if (transfer.file != null) {
            return;
        }
        Item item = transfer.item;
        String base = storage.namer().baseName(item.requestedName(), contentDisposition, URI.create(item.url()));
        try {
            Storage.Reservation reservation = storage.reserve(item.jobId(), base);
            transfer.file = reservation.name();
            transfer.channel = reservation.channel();
        } catch (IOException | RuntimeException ex) {
            throw new FetchFailure(ErrorCode.STORAGE, "cannot create " + base + ": " + ex.getMessage(), ex);
        }
    }

    private void open(Transfer transfer, long from) throws FetchFailure {
        if (from == 0) {
            transfer.digest.reset();
            transfer.hashed = 0;
        }
        if (transfer.channel != null) {
            // Just reserved: empty, and open already.
            transfer.writesFrom(from);
            return;
        }
        try {
            transfer.channel = FileChannel.open(storage.part(transfer.item.jobId(), transfer.file),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            if (from == 0) {
                transfer.channel.truncate(0);
            }
            transfer.writesFrom(from);
        } catch (IOException ex) {
            throw new FetchFailure(ErrorCode.STORAGE, "cannot open " + transfer.file + ": " + ex.getMessage(), ex);
        }
    }

    /** Seeds the digest with the stored bytes, so a resumed file's hash is that of the whole file. */
    private void rehash(Transfer transfer, long length) throws IOException, InterruptedException {
        Path part = storage.part(transfer.item.jobId(), transfer.file);
        byte[] buffer = pool.take();
        try (FileChannel channel = FileChannel.open(part, StandardOpenOption.READ)) {
            long position = 0;
            while (position < length) {
                if (transfer.stop() != null) {
                    throw new IOException("stopped");
                }
                ByteBuffer target = ByteBuffer.wrap(buffer, 0, (int) Math.min(buffer.length, length - position));
                int read = channel.read(target, position);
                if (read < 0) {
                    throw new IOException("stored part of " + transfer.file + " is shorter than " + length);
                }
                transfer.digest.update(buffer, 0, read);
                position += read;
            }
            transfer.hashed = length;
        } finally {
            pool.give(buffer);
        }
    }

    private static void closeQuietly(Transfer transfer) {
        try {
            transfer.closeFiles();
        } catch (IOException ignored) {
            // Shutting down; the .part file is resumed on the next start.
        }
    }
}
