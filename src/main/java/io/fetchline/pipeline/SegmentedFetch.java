package io.fetchline.pipeline;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import io.fetchline.fetch.Cancellation;
import io.fetchline.fetch.ContentRange;
import io.fetchline.fetch.ErrorCode;
import io.fetchline.fetch.FetchFailure;
import io.fetchline.fetch.OriginClient;
import io.fetchline.fetch.OriginResponse;
import io.fetchline.fetch.RetryPolicy;
import io.fetchline.job.Item;
import io.fetchline.job.Segment;
import io.fetchline.storage.Storage;

/**
 * Fetches one file over several connections at once, each a range of it (API.md, Segmented downloads). The
 * fetcher's own connection is the first; helper threads, each with a per-host slot that was free, fetch the
 * others. The fetcher waits for its helpers, so that the attempt ends as one: one failure stops every connection,
 * and the next attempt resumes each segment from its stored bytes.
 */
final class SegmentedFetch {

    private static final Logger log = LoggerFactory.getLogger(SegmentedFetch.class);

    private final Pipeline pipeline;
    private final OriginClient client;
    private final Storage storage;
    private final BodyReader reader;
    /** The helper threads, null when files are not segmented; {@code idle} counts those free to start. */
    private final ExecutorService helpers;
    private final Semaphore idle;
    private final int segments;
    private final long minSize;

    /** How long the first connection runs alone before the file is split, so that its rate can be seen. */
    static final Duration PROBE = Duration.ofMillis(500);
    /** A file is split only when its first connection would take longer than this for the rest of it. */
    static final Duration WORTH_SPLITTING = Duration.ofSeconds(2);
    private static final long STORED_POLL_NANOS = 200_000;

    SegmentedFetch(Pipeline pipeline, OriginClient client, Storage storage, BodyReader reader,
            ExecutorService helpers, int helperCount, int segments, long minSize) {
        this.pipeline = pipeline;
        this.client = client;
        this.storage = storage;
        this.reader = reader;
        this.helpers = helpers;
        this.idle = new Semaphore(helpers == null ? 0 : helperCount);
        this.segments = segments;
        this.minSize = minSize;
    }

    /**
     * Fetches the file from the first response, the whole file from its first byte, in segments when that pays:
     * the file is large enough, its origin honours ranges, and after {@link #PROBE} the rest would take this
     * connection longer than {@link #WORTH_SPLITTING} at the rate it showed. Without a cap on each connection, one
     * is as fast as several, and splitting would only cost reading most of the file back for its SHA-256 (the
     * writer hashes the bytes that continue the file, the other segments' are read back). False when the caller is
     * to stream the response alone, as for any other file; the file is open and empty.
     */
    boolean fetch(Transfer transfer, JobSettings.Entry settings, OriginResponse response)
            throws FetchFailure, InterruptedException, IOException {
        Long size = transfer.size;
        if (segments <= 1 || size == null || size < minSize || response.status() != 200
                || response.contentLength() != size || !honoursRanges(response)) {
            return false;
        }
        InputStream body = response.body();
        long started = System.nanoTime();
        long reached = reader.streamUntil(transfer, settings, body, 0, started + PROBE.toNanos());
        long elapsed = Math.max(1, System.nanoTime() - started);
        // The rest at the rate so far, in nanoseconds: rest * elapsed / reached, without overflow.
        boolean worthSplitting = reached < size
                && (double) (size - reached) * elapsed / Math.max(1, reached) > WORTH_SPLITTING.toNanos();
        int granted = worthSplitting ? reserve(transfer.item, segments - 1) : 0;
        if (granted == 0) {
            reader.stream(transfer, settings, body, reached);
            return true;
        }
        List<Segment> plan = Segments.plan(reached, size, 1 + granted);
        unreserve(transfer.item, granted - (plan.size() - 1));
        if (plan.size() == 1) {
            reader.stream(transfer, settings, body, reached);
            return true;
        }
        // The segments count what is stored from here on; what was handed to the writer so far is stored first.
        awaitStored(transfer, reached);
        Segments split = new Segments(plan, transfer.cancellation, true);
        Segment first = split.take();
        transfer.segmented(split);
        run(transfer, settings, split, response, first, plan.size() - 1);
        return true;
    }

    /** Waits until the writer has stored the file's first {@code bytes}, all the fetcher has handed it. */
    private static void awaitStored(Transfer transfer, long bytes) throws FetchFailure, InterruptedException {
        while (transfer.storedBytes() < bytes) {
            if (transfer.storageFailure != null) {
                throw new FetchFailure(ErrorCode.STORAGE, "cannot write " + transfer.file + ": "
                        + transfer.storageFailure.getMessage(), transfer.storageFailure);
            }
            if (transfer.stop() != null) {
                throw new FetchFailure(ErrorCode.CONNECTION, "stopped");
            }
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            LockSupport.parkNanos(STORED_POLL_NANOS);
        }
    }

    /**
     * Resumes each segment of a segmented item from its stored extent. False when the item starts over instead:
     * its file is gone or shorter than recorded, or the origin answered that the file changed.
     */
    boolean resume(Transfer transfer, JobSettings.Entry settings) throws FetchFailure, InterruptedException {
        Item item = transfer.item;
        if (transfer.file == null || transfer.size == null || !holdsStoredBytes(item)) {
            return false;
        }
        try {
            transfer.channel = FileChannel.open(storage.part(item.jobId(), transfer.file), StandardOpenOption.WRITE);
        } catch (IOException ex) {
            throw new FetchFailure(ErrorCode.STORAGE, "cannot open " + transfer.file + ": " + ex.getMessage(), ex);
        }
        // The finisher reads the stored bytes back for the digest, once all are there.
        transfer.digest.reset();
        transfer.hashed = 0;
        Segments split = new Segments(item.segments(), transfer.cancellation, false);
        transfer.segmented(split);
        Segment first = split.take();
        if (first == null) {
            transfer.bytes = transfer.size;
            return true;
        }
        long from = first.start() + first.stored();
        try (OriginResponse response = client.open(URI.create(item.url()), settings.headers.values(), from,
                first.end() - 1, transfer.validator, transfer.cancellation)) {
            transfer.httpStatus = response.status();
            if (!isRange(response, from, first.end(), transfer.size)) {
                requireSuccess(response);
                log.info("Item {} of job {} starts over: asked for bytes {}-{} of {}, the origin answered {} {}",
                        item.index(), item.jobId(), from, first.end() - 1, transfer.size, response.status(),
                        response.header("Content-Range"));
                transfer.segmented(null);
                transfer.closeFiles();
                transfer.channel = null;
                return false;
            }
            run(transfer, settings, split, response, first, reserve(item, Math.min(segments - 1, split.untaken())));
            return true;
        } catch (IOException ex) {
            throw transfer.stop() != null ? new FetchFailure(ErrorCode.CONNECTION, "stopped", ex)
                    : client.failureOf(ex);
        }
    }

    /**
     * Streams the first segment from {@code body} here and the others on {@code helperCount} helpers, waits
     * for them, and fetches here whatever they gave back. Throws the first failure of any of them.
     */
    private void run(Transfer transfer, JobSettings.Entry settings, Segments split, OriginResponse response,
            Segment first, int helperCount) throws FetchFailure, InterruptedException, IOException {
        InputStream body = response.body();
        split.helpers(helperCount);
        for (int i = 0; i < helperCount; i++) {
            try {
                helpers.execute(() -> help(transfer, settings, split));
            } catch (RejectedExecutionException stopping) {
                unreserve(transfer.item, 1);
                split.checked();
                split.helperEnded();
            }
        }
        try {
            reader.stream(transfer, settings, body, first.start() + first.stored(), first.end());
            // The rest of the first response is only needed should a helper find its range not honoured, which
            // its response's head shows. Else it goes now: the origin would go on sending it while the others run.
            split.awaitChecks();
            if (!split.wasRefused()) {
                split.leadClosed();
                response.close();
            }
            fetchRemaining(transfer, settings, split);
        } catch (FetchFailure failure) {
            split.fail(failure, false);
        }
        split.awaitHelpers();
        if (split.failure() == null) {
            // Segments the helpers gave back, the origin being busy: one after another, on this connection.
            try {
                fetchRemaining(transfer, settings, split);
            } catch (FetchFailure failure) {
                split.fail(failure, false);
            }
        }
        if (split.failure() == null && split.wasRefused()) {
            // The origin did not honour another range: this response, the whole file, goes on alone. No helper
            // runs any more, so nothing they fetched can be written after what replaces it.
            log.info("Item {} of job {}: the origin did not honour a segment's range; going on over one connection",
                    transfer.item.index(), transfer.item.jobId());
            split.collapse(transfer.size);
            reader.stream(transfer, settings, body, first.end(), transfer.size);
        }
        FetchFailure failure = split.failure();
        if (failure != null) {
            transfer.restart |= split.restart();
            throw failure;
        }
        transfer.bytes = transfer.size;
    }

    private void fetchRemaining(Transfer transfer, JobSettings.Entry settings, Segments split)
            throws FetchFailure, InterruptedException {
        for (Segment next = split.take(); next != null; next = split.take()) {
            fetchRange(transfer, settings, split, next, false, () -> { });
        }
    }

    /** One helper thread: fetches segments until none is left, the origin turns it away, or the transfer fails. */
    private void help(Transfer transfer, JobSettings.Entry settings, Segments split) {
        Item item = transfer.item;
        MDC.put("job", item.jobId().toString());
        MDC.put("item", Integer.toString(item.index()));
        AtomicBoolean checked = new AtomicBoolean();
        Runnable rangeChecked = () -> {
            if (checked.compareAndSet(false, true)) {
                split.checked();
            }
        };
        try {
            for (Segment next = split.take(); next != null; next = split.take()) {
                if (!fetchRange(transfer, settings, split, next, true, rangeChecked)) {
                    break;
                }
            }
        } catch (FetchFailure failure) {
            // Once the segments are stopped, a helper's failure is only the abort of its request.
            if (!split.stopped()) {
                split.fail(failure, false);
            }
        } catch (InterruptedException ex) {
            split.fail(new FetchFailure(ErrorCode.CONNECTION, "stopped", ex), false);
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error unexpected) {
            if (split.stopped()) {
                // An aborted request may surface as the client's CancellationException.
                log.debug("A stopped segment of item {} of job {} ended with {}", item.index(), item.jobId(),
                        unexpected.toString());
                return;
            }
            log.error("A segment of item {} of job {} failed unexpectedly", item.index(), item.jobId(), unexpected);
            split.fail(new FetchFailure(ErrorCode.PROTOCOL, "unexpected " + unexpected.getClass().getSimpleName()
                    + " while fetching a segment; see the service log", unexpected), false);
        } finally {
            rangeChecked.run();
            unreserve(item, 1);
            split.helperEnded();
            MDC.remove("job");
            MDC.remove("item");
        }
    }

    /**
     * Fetches the rest of one segment over a connection of its own. False when a helper leaves it to another
     * connection (the origin turned the request away) or the origin does not honour its range while the first
     * response carries the whole file; a range not honoured otherwise means the file changed, and fails the attempt
     * for a fresh start.
     */
    private boolean fetchRange(Transfer transfer, JobSettings.Entry settings, Segments split, Segment segment,
            boolean helper, Runnable checked) throws FetchFailure, InterruptedException {
        long from = segment.start() + segment.stored();
        Cancellation cancellation = split.request();
        try (OriginResponse response = client.open(URI.create(transfer.item.url()), settings.headers.values(), from,
                segment.end() - 1, transfer.validator, cancellation)) {
            if (!isRange(response, from, segment.end(), transfer.size)) {
                int status = response.status();
                if (helper && (status < 200 || status > 299) && status != 416) {
                    split.giveBack(segment.start());
                    return false;
                }
                requireSuccess(response);
                if (split.leadHoldsWholeFile()) {
                    split.refused();
                    return false;
                }
                FetchFailure changed = new FetchFailure(ErrorCode.PROTOCOL, "asked for bytes " + from + "-"
                        + (segment.end() - 1) + " of " + transfer.size + ", got " + status + " "
                        + response.header("Content-Range") + "; the file changed, starting over", status, null, null);
                split.fail(changed, true);
                throw changed;
            }
            checked.run();
            reader.stream(transfer, settings, response.body(), from, segment.end());
            return true;
        } catch (IOException ex) {
            throw transfer.stop() != null ? new FetchFailure(ErrorCode.CONNECTION, "stopped", ex)
                    : client.failureOf(ex);
        }
    }

    /** Whether the response is exactly the bytes {@code [from, end)} of a file of {@code size} bytes. */
    private static boolean isRange(OriginResponse response, long from, long end, long size) {
        if (response.status() != 206) {
            return false;
        }
        ContentRange range = ContentRange.parse(response.header("Content-Range"));
        return range != null && range.start() == from && range.end() == end - 1 && range.total() == size;
    }

    /** An error status fails the attempt as a single connection's would, with the same retry. */
    private static void requireSuccess(OriginResponse response) throws FetchFailure {
        int status = response.status();
        if ((status < 200 || status > 299) && status != 416) {
            String reason = response.reason() == null ? "" : response.reason();
            throw new FetchFailure(ErrorCode.HTTP_STATUS, (status + " " + reason).trim(), status,
                    RetryPolicy.parseRetryAfter(response.header("Retry-After"), Instant.now()), null);
        }
    }

    private static boolean honoursRanges(OriginResponse response) {
        String ranges = response.header("Accept-Ranges");
        return ranges != null && ranges.trim().toLowerCase(Locale.ROOT).equals("bytes");
    }

    /** The {@code .part} file reaches at least as far as every segment's stored bytes. */
    private boolean holdsStoredBytes(Item item) {
        long reach = 0;
        for (Segment segment : item.segments()) {
            reach = Math.max(reach, segment.start() + segment.stored());
        }
        try {
            Path part = storage.part(item.jobId(), item.file());
            return Files.exists(part) && Files.size(part) >= reach;
        } catch (IOException | IllegalArgumentException ex) {
            return false;
        }
    }

    /**
     * Takes up to {@code wanted} helpers for more segments of the item, each with a per-host slot that is free
     * now; returns how many.
     */
    private int reserve(Item item, int wanted) {
        if (helpers == null || wanted <= 0) {
            return 0;
        }
        int threads = 0;
        while (threads < wanted && idle.tryAcquire()) {
            threads++;
        }
        if (threads == 0) {
            return 0;
        }
        int slots = pipeline.dispatcher().segmentSlots(item, threads);
        idle.release(threads - slots);
        return slots;
    }

    /** Gives back helpers that were reserved and are done, or were not needed, with their per-host slots. */
    private void unreserve(Item item, int count) {
        for (int i = 0; i < count; i++) {
            pipeline.dispatcher().released(item);
        }
        idle.release(count);
    }
}
