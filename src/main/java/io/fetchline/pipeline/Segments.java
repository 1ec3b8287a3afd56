package io.fetchline.pipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;

import io.fetchline.fetch.Cancellation;
import io.fetchline.fetch.FetchFailure;
import io.fetchline.job.Segment;

/**
 * The segments of one segmented transfer while it runs: which one a connection fetches next, what of each is
 * stored without a gap, the requests to abort when the transfer stops, and the first failure, which stops them all.
 * Shared by the transfer's fetcher, its helpers and its writer; every field is guarded by {@code this}, except
 * the two latches, which the fetcher sets before any helper starts.
 */
final class Segments {

    /**
     * Segments start on multiples of this, so that each one's bulk chunks are block-aligned and go past the page
     * cache like those of a file fetched over one connection.
     */
    static final long ALIGNMENT = 64 * 1024;

    /** One segment: its range, the bytes stored from its start without a gap, and chunks stored beyond a gap. */
    private static final class Part {

        final long start;
        long end;
        long stored;
        final TreeMap<Long, Integer> ahead = new TreeMap<>();
        /** A connection fetches it, or fetched it. */
        boolean taken;

        Part(Segment segment) {
            this.start = segment.start();
            this.end = segment.end();
            this.stored = segment.stored();
        }

        Segment snapshot() {
            return new Segment(start, end, stored);
        }
    }

    /** Ordered by start; replaced only by {@link #collapse}. Like every field below, guarded by {@code this}. */
    private Part[] parts;
    /** The first response, which carries the whole file when it was a plain 200; stopped with every failure. */
    private final Cancellation lead;
    private boolean leadHoldsWholeFile;
    private final List<Cancellation> requests = new ArrayList<>();
    private boolean stopped;
    private FetchFailure failure;
    private boolean restart;
    private boolean refused;
    private volatile CountDownLatch helpers = new CountDownLatch(0);
    /** Helpers whose first response's head has not been checked yet. */
    private volatile CountDownLatch checks = new CountDownLatch(0);

    /**
     * @param lead aborts the request that the transfer's fetcher reads first
     * @param leadHoldsWholeFile that request was answered with the whole file, which can then go on alone should
     *     the origin not honour the other ranges
     */
    Segments(List<Segment> segments, Cancellation lead, boolean leadHoldsWholeFile) {
        this.parts = segments.stream().map(Part::new).toArray(Part[]::new);
        this.lead = lead;
        this.leadHoldsWholeFile = leadHoldsWholeFile;
    }

    /**
     * Splits a file of {@code size} bytes into at most {@code count} segments of about equal size, each but the
     * last a multiple of {@link #ALIGNMENT}; fewer when the file is too small for that many.
     */
    static List<Segment> plan(long size, int count) {
        return plan(0, size, count);
    }

    /**
     * Splits what a file of {@code size} bytes has left after its first {@code stored} bytes into at most
     * {@code count} segments of about equal size, the first of which holds the stored bytes; each segment but the
     * last ends on a multiple of {@link #ALIGNMENT}; fewer when what is left is too small for that many.
     */
    static List<Segment> plan(long stored, long size, int count) {
        long each = (size - stored + count - 1) / count;
        each = Math.max(ALIGNMENT, each);
        List<Segment> plan = new ArrayList<>(count);
        long start = 0;
        long end = stored + each;
        while (start < size) {
            end = Math.min(size, (end + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT);
            plan.add(new Segment(start, end, start == 0 ? stored : 0));
            start = end;
            end = start + each;
        }
        return plan;
    }

    synchronized boolean leadHoldsWholeFile() {
        return leadHoldsWholeFile;
    }

    /** The lead's response is closed: a range not honoured from now on can no longer fall back on it. */
    synchronized void leadClosed() {
        leadHoldsWholeFile = false;
    }

    /**
     * The next segment with bytes still to fetch that no connection has taken, now taken by the caller; null when
     * there is none, or the transfer failed.
     */
    synchronized Segment take() {
        if (failure != null || stopped) {
            return null;
        }
        for (Part part : parts) {
            if (!part.taken && part.stored < part.end - part.start) {
                part.taken = true;
                return part.snapshot();
            }
        }
        return null;
    }

    /** A connection could not fetch the segment starting at {@code start} now: another one may take it later. */
    synchronized void giveBack(long start) {
        for (Part part : parts) {
            if (part.start == start) {
                part.taken = false;
            }
        }
    }

    /** Segments with bytes to fetch that no connection has taken yet. */
    synchronized int untaken() {
        int count = 0;
        for (Part part : parts) {
            if (!part.taken && part.stored < part.end - part.start) {
                count++;
            }
        }
        return count;
    }

    /** A cancellation for one more request of the transfer; cancelled already when the transfer has stopped. */
    synchronized Cancellation request() {
        Cancellation cancellation = new Cancellation();
        if (stopped) {
            cancellation.cancel();
        }
        requests.add(cancellation);
        return cancellation;
    }

    /** Whether the segments' requests were stopped: the transfer failed or stopped, or a range was refused. */
    synchronized boolean stopped() {
        return stopped;
    }

    /** The transfer stops: every request of its segments is aborted, and no segment is taken any more. */
    synchronized void stop() {
        stopped = true;
        requests.forEach(Cancellation::cancel);
    }

    /**
     * A segment failed: the first failure is the attempt's, and it stops every other connection of the transfer.
     *
     * @param startOver the stored bytes no longer belong to the file
     */
    void fail(FetchFailure why, boolean startOver) {
        synchronized (this) {
            if (failure == null) {
                failure = why;
                restart = startOver;
            }
        }
        stop();
        lead.cancel();
    }

    /**
     * The origin did not honour a segment's range although it honoured the first: the lead's response, the whole
     * file, goes on alone. The other connections stop.
     */
    void refused() {
        synchronized (this) {
            refused = true;
        }
        stop();
    }

    synchronized boolean wasRefused() {
        return refused;
    }

    synchronized FetchFailure failure() {
        return failure;
    }

    synchronized boolean restart() {
        return restart;
    }

    /**
     * One segment of {@code size} bytes from the start of the file, with what the first segment stored without a
     * gap: what the lead's response, which holds the whole file, now fetches alone.
     */
    synchronized void collapse(long size) {
        Part first = parts[0];
        first.end = size;
        first.taken = true;
        parts = new Part[] {first};
    }

    /** Helpers, each of which calls {@link #helperEnded} once it is done, whatever happened. */
    void helpers(int count) {
        helpers = new CountDownLatch(count);
        checks = new CountDownLatch(count);
    }

    /** A helper has checked the head of its first response, or ended without one. */
    void checked() {
        checks.countDown();
    }

    /** Waits until every helper has checked its first response: then none will find its range refused. */
    void awaitChecks() throws InterruptedException {
        checks.await();
    }

    void helperEnded() {
        helpers.countDown();
    }

    /** Waits until every helper is done, so that all their chunks are queued. */
    void awaitHelpers() throws InterruptedException {
        helpers.await();
    }

    /** A writer has stored a chunk. */
    synchronized void stored(long offset, int length) {
        Part part = partAt(offset);
        if (part == null) {
            return;
        }
        part.ahead.put(offset, length);
        while (!part.ahead.isEmpty() && part.ahead.firstKey() <= part.start + part.stored) {
            var next = part.ahead.pollFirstEntry();
            part.stored = Math.min(part.end - part.start,
                    Math.max(part.stored, next.getKey() + next.getValue() - part.start));
        }
    }

    /** Bytes stored without a gap in every segment together. */
    synchronized long storedBytes() {
        long sum = 0;
        for (Part part : parts) {
            sum += part.stored;
        }
        return sum;
    }

    /** Each segment with the bytes stored from its start without a gap, as the item records it. */
    synchronized List<Segment> snapshot() {
        List<Segment> snapshot = new ArrayList<>(parts.length);
        for (Part part : parts) {
            snapshot.add(part.snapshot());
        }
        return snapshot;
    }

    synchronized boolean complete() {
        for (Part part : parts) {
            if (part.stored < part.end - part.start) {
                return false;
            }
        }
        return true;
    }

    private Part partAt(long offset) {
        int low = 0;
        int high = parts.length - 1;
        while (low <= high) {
            int middle = (low + high) >>> 1;
            Part part = parts[middle];
            if (offset < part.start) {
                high = middle - 1;
            } else if (offset >= part.end) {
                low = middle + 1;
            } else {
                return part;
            }
        }
        return null;
    }
}
