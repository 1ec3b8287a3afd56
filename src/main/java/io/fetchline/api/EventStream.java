package io.fetchline.api;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.fetchline.job.Item;
import io.fetchline.job.ItemState;
import io.fetchline.job.JobChanges.Change;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;

/**
 * One open event stream (API.md, Events): what it still owes its client, and the connection it goes out on. The
 * connection is written without blocking (Servlet non-blocking IO): a slow client only lets its stream fall behind,
 * where job events coalesce into the latest and item events wait in a bounded queue; a client that lets that queue
 * fill up is cut off, and a new stream starts it again from a snapshot.
 *
 * <p>Changes come in on committing threads ({@link #take}), which only queue them: they never wait for a client, a
 * lock or the store. Everything else runs on the {@link EventStreams} thread, which alone touches the fields that
 * are neither final, volatile nor concurrent.
 */
final class EventStream implements WriteListener, AsyncListener {

    private static final Logger log = LoggerFactory.getLogger(EventStream.class);

    /** At most 4 job events a second for each job, the first and the terminal one aside. */
    static final long JOB_EVENT_SPACING_NANOS = Duration.ofMillis(250).toNanos();
    /** Item events waiting for a slow client; beyond them it is cut off. */
    static final int MAX_WAITING_ITEMS = 10_000;
    /** Items read at a time when a change moved all items of a job (a cancel). */
    private static final int ITEM_PAGE = 200;
    /** Bytes handed to the connection at a time. */
    private static final int MAX_WRITE = 64 * 1024;
    private static final byte[] KEEP_ALIVE = ": keep-alive\n\n".getBytes(StandardCharsets.UTF_8);
    private static final byte[] OPENED = ": open\n\n".getBytes(StandardCharsets.UTF_8);

    /** A job resource's JSON, and whether it shows the job in a terminal state. */
    record Shown(byte[] json, boolean terminal) {
    }

    /** What the stream needs from the rest of the service. */
    interface Source {

        /** The job as it is now, or null when there is no such job. */
        Shown job(UUID job);

        byte[] item(Item item);

        List<Item> items(UUID job, ItemState state, int offset, int limit);

        /** The stream is closed and must be forgotten. */
        void closed(EventStream stream);

        /** The stream has something to do: look at it soon. */
        void poke();
    }

    private final Source source;
    /** The job this stream follows, or null for the stream of all jobs. */
    private final UUID job;
    private final long keepAliveNanos;

    private final Queue<Change> inbox = new ConcurrentLinkedQueue<>();
    private final AtomicInteger inboxItems = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Set when something arrived or the connection can take more: the events thread then looks at this stream. */
    private volatile boolean poked = true;
    private volatile AsyncContext async;
    private volatile ServletOutputStream out;
    /**
     * Set by the container's first call of onWritePossible, which comes once the request's own dispatch has
     * returned: before that, the request's thread still works on the response (its filters add headers), and
     * writing from another thread would race it.
     */
    private volatile boolean writable;

    private byte[] snapshot;
    private boolean snapshotEnds;
    /** Jobs that changed since their last event, each with whether it ended meanwhile. */
    private final Map<UUID, Boolean> changedJobs = new LinkedHashMap<>();
    private final Map<UUID, Long> lastJobEvent = new HashMap<>();
    private final ArrayDeque<Item> items = new ArrayDeque<>();
    /** All items of the job now in this state changed to it: read from the store page by page. */
    private ItemState itemsMovedTo;
    private int itemsMovedOffset;

    private long nextId = 1;
    private long lastWrite;
    private boolean opened;
    private boolean flushPending;
    private boolean finishing;
    private long wakeAt;

    EventStream(Source source, UUID job, Duration keepAlive, long now) {
        this.source = source;
        this.job = job;
        this.keepAliveNanos = keepAlive.toNanos();
        this.lastWrite = now;
        this.wakeAt = now;
    }

    UUID job() {
        return job;
    }

    /**
     * The job as it was when the stream opened: its first event, and its last if the job had ended. Set before
     * {@link #start}, on the request's thread.
     */
    void snapshot(Shown job) {
        snapshot = job.json();
        snapshotEnds = job.terminal();
    }

    /** Starts writing to the client; the container then says when the connection can take bytes. */
    void start(AsyncContext context) throws IOException {
        async = context;
        context.setTimeout(0);
        context.addListener(this);
        out = context.getResponse().getOutputStream();
        out.setWriteListener(this);
    }

    /** A committed change of the job this stream follows, or of any job; queued for the events thread. */
    void take(Change change) {
        if (closed.get()) {
            return;
        }
        if (inboxItems.addAndGet(1 + change.items().size()) > MAX_WAITING_ITEMS) {
            log.info("Closing an event stream{}: its client reads too slowly", job == null ? "" : " of job " + job);
            close();
            return;
        }
        inbox.add(change);
        poked = true;
    }

    boolean isClosed() {
        return closed.get();
    }

    /** Whether the events thread should pump this stream now. */
    boolean isDue(long now) {
        return !closed.get() && (poked || now - wakeAt >= 0);
    }

    /** Moves what arrived into what the stream owes; false when the client fell too far behind. */
    private boolean drainInbox() {
        for (Change change = inbox.poll(); change != null; change = inbox.poll()) {
            inboxItems.addAndGet(-1 - change.items().size());
            if (finishing) {
                continue;
            }
            changedJobs.merge(change.job(), change.ended(), Boolean::logicalOr);
            if (job != null) {
                if (change.allNowIn() != null) {
                    itemsMovedTo = change.allNowIn();
                    itemsMovedOffset = 0;
                }
                items.addAll(change.items());
            }
        }
        if (items.size() > MAX_WAITING_ITEMS) {
            log.info("Closing an event stream of job {}: its client reads too slowly", job);
            close();
            return false;
        }
        return true;
    }

    /**
     * Writes what is due, as far as the connection takes it without blocking. Returns when to look again (nanoTime);
     * sooner when a change arrives or the connection drains. Called by the events thread only, with what it read
     * this round.
     */
    long pump(long now, Source reads) {
        ServletOutputStream out = this.out;
        if (closed.get() || !writable) {
            // Not started yet: the container's first onWritePossible pokes it.
            return now + keepAliveNanos;
        }
        poked = false;
        wakeAt = now + keepAliveNanos;
        if (!drainInbox()) {
            return wakeAt;
        }
        try {
            while (out.isReady()) {
                if (flushPending) {
                    flushPending = false;
                    out.flush();
                    continue;
                }
                if (finishing) {
                    close();
                    return wakeAt;
                }
                ByteArrayOutputStream next = new ByteArrayOutputStream();
                if (!opened) {
                    // Sends the response's headers at once: the container sends nothing on a flush alone.
                    next.writeBytes(OPENED);
                    opened = true;
                }
                long due = collect(now, next, reads);
                if (next.size() == 0) {
                    if (now - lastWrite < keepAliveNanos) {
                        wakeAt = Math.min(due, lastWrite + keepAliveNanos);
                        return wakeAt;
                    }
                    next.writeBytes(KEEP_ALIVE);
                }
                out.write(next.toByteArray());
                lastWrite = now;
                flushPending = true;
            }
            // The container calls onWritePossible once the connection has room again.
            return wakeAt;
        } catch (IOException | IllegalStateException gone) {
            close();
            return wakeAt;
        }
    }

    /** Appends the events due now to {@code next}; returns when the next coalesced job event is due. */
    private long collect(long now, ByteArrayOutputStream next, Source reads) {
        long due = Long.MAX_VALUE;
        if (snapshot != null) {
            event(next, "job", snapshot);
            snapshot = null;
            if (snapshotEnds) {
                finishing = true;
                return due;
            }
        }
        while (next.size() < MAX_WRITE) {
            if (items.isEmpty() && itemsMovedTo != null) {
                List<Item> page = reads.items(job, itemsMovedTo, itemsMovedOffset, ITEM_PAGE);
                items.addAll(page);
                itemsMovedOffset += page.size();
                if (page.size() < ITEM_PAGE) {
                    itemsMovedTo = null;
                }
            }
            Item item = items.poll();
            if (item == null) {
                break;
            }
            event(next, "item", reads.item(item));
        }
        boolean itemsWaiting = !items.isEmpty() || itemsMovedTo != null;
        Iterator<Map.Entry<UUID, Boolean>> changed = changedJobs.entrySet().iterator();
        while (changed.hasNext() && next.size() < MAX_WRITE) {
            Map.Entry<UUID, Boolean> entry = changed.next();
            UUID changedJob = entry.getKey();
            boolean ended = entry.getValue();
            if (ended && itemsWaiting) {
                // The terminal event comes after every item event of the job.
                continue;
            }
            Long last = lastJobEvent.get(changedJob);
            if (!ended && last != null && now - last < JOB_EVENT_SPACING_NANOS) {
                due = Math.min(due, last + JOB_EVENT_SPACING_NANOS);
                continue;
            }
            changed.remove();
            Shown view = reads.job(changedJob);
            // A job read as ended before its end was published gets its terminal event once that arrives.
            if (view == null || (!ended && view.terminal())) {
                continue;
            }
            event(next, "job", view.json());
            lastJobEvent.put(changedJob, now);
            if (ended && job != null) {
                finishing = true;
                return due;
            }
        }
        // Only jobs whose last event is recent enough to hold the next one back need remembering.
        lastJobEvent.values().removeIf(last -> now - last >= JOB_EVENT_SPACING_NANOS);
        return due;
    }

    private void event(ByteArrayOutputStream next, String name, byte[] data) {
        next.writeBytes(("id: " + nextId++ + "\nevent: " + name + "\ndata: ").getBytes(StandardCharsets.UTF_8));
        next.writeBytes(data);
        next.writeBytes(new byte[] {'\n', '\n'});
    }

    /** Ends the response and forgets the stream; the client sees the stream end. Any thread. */
    void close() {
        if (closed.compareAndSet(false, true)) {
            inbox.clear();
            source.closed(this);
            complete();
        }
    }

    private void complete() {
        AsyncContext context = async;
        if (context != null) {
            try {
                context.complete();
            } catch (IllegalStateException alreadyOver) {
                // The container ended the request first (the client went away).
            }
        }
    }

    @Override
    public void onWritePossible() {
        writable = true;
        poked = true;
        source.poke();
    }

    @Override
    public void onError(Throwable failure) {
        close();
    }

    @Override
    public void onComplete(AsyncEvent event) {
        close();
    }

    /**
     * The client went away, found by the container. Completing here, even when this stream had been closed already,
     * keeps the container from dispatching the request to an error page.
     */
    @Override
    public void onError(AsyncEvent event) {
        close();
        complete();
    }

    @Override
    public void onTimeout(AsyncEvent event) {
        close();
        complete();
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
        // Started once, by the hub.
    }
}
