package io.fetchline.pipeline;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.fetchline.job.Item;
import io.fetchline.job.JobStore;

/**
 * Feeds the fetch queue from the store: round-robin across jobs, so a small job is not stuck behind a large
 * one, and never more than {@code per-host-connections} items of one host in the fetch queue or in fetchers.
 * Items of a busy host wait here ("parked"), so fetchers stay busy with other hosts meanwhile. When a host has
 * as many parked as it can use, reading its job goes on past its items, which are read again once it has room:
 * a job of thousands of URLs of one host does not hold back the few of another host that follow them. A host's
 * slots go to its waiting jobs in turn, so jobs sharing one host share it fairly too.
 *
 * <p>All state below is touched by the dispatcher thread only; other threads talk to it through {@link #events}.
 */
final class Dispatcher implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);
    private static final int CLAIM_BATCH = 64;

    private final Pipeline pipeline;
    private final JobStore store;
    private final BlockingQueue<Item> fetchQueue;
    private final ScheduledExecutorService timer;
    private final int perHost;
    private final int lookahead;
    private final int parkPerHost;

    private final Semaphore wake = new Semaphore(0);
    private final Queue<Runnable> events = new ConcurrentLinkedQueue<>();

    /** How far each job has been read; iteration order is the round-robin order. */
    private final Map<UUID, JobCursor> cursors = new LinkedHashMap<>();
    /**
     * Jobs read to the end whose last items may still be here or in fetchers, though QUEUED in the store: read
     * again from the start, they would be claimed twice.
     */
    private final Set<UUID> drained = new HashSet<>();
    private final Map<String, Integer> hostSlots = new HashMap<>();
    private final Map<String, HostQueue> parked = new HashMap<>();
    /** Items waiting out a retry delay, each with what removes its partial file should its job be cancelled. */
    private final Map<Item, Runnable> waiting = new HashMap<>();
    private boolean refreshJobs = true;

    Dispatcher(Pipeline pipeline, JobStore store, ScheduledExecutorService timer, int perHost, int fetchers) {
        this.pipeline = pipeline;
        this.store = store;
        this.fetchQueue = pipeline.fetchQueue();
        this.timer = timer;
        this.perHost = perHost;
        int capacity = fetchQueue.remainingCapacity();
        // A short queue keeps fairness: a new job's items wait behind a few items, not behind the whole capacity.
        this.lookahead = Math.min(capacity, Math.max(2 * fetchers, 8));
        // Enough to keep a busy host's slots fed; beyond it, a job waits in the store instead of in memory.
        this.parkPerHost = Math.max(64, 4 * perHost);
    }

    /** Makes the loop look at the pipeline's state now, as on stop. */
    void wake() {
        wake.release();
    }

    /** New work may be in the store (a job submitted or retried). */
    void jobsChanged() {
        events.add(() -> refreshJobs = true);
        wake.release();
    }

    /** Claims of this job start over from its first queued item. */
    void jobRequeued(UUID jobId) {
        events.add(() -> {
            cursors.remove(jobId);
            drained.remove(jobId);
            refreshJobs = true;
        });
        wake.release();
    }

    void jobCancelled(UUID jobId) {
        events.add(() -> {
            cursors.remove(jobId);
            drained.remove(jobId);
            parked.values().forEach(queue -> queue.removeJob(jobId));
            // Their timers still fire, and then find nothing to hand back.
            waiting.entrySet().removeIf(entry -> {
                if (!entry.getKey().jobId().equals(jobId)) {
                    return false;
                }
                entry.getValue().run();
                return true;
            });
        });
        wake.release();
    }

    /** A fetcher is done with an item: its host slot is free. */
    void released(Item item) {
        String host = JobStore.hostKey(URI.create(item.url()));
        events.add(() -> hostSlots.merge(host, -1, (a, b) -> a + b <= 0 ? null : a + b));
        wake.release();
    }

    /**
     * Hands an item back after a wait that holds no thread.
     *
     * @param discard removes the item's partial file; run instead when its job is cancelled during the wait
     */
    void retryAfter(Item item, Duration delay, Runnable discard) {
        // Queued before the timer exists, so the hand-back always finds the item registered.
        events.add(() -> waiting.put(item, discard));
        timer.schedule(() -> {
            events.add(() -> {
                Runnable discardPartial = waiting.remove(item);
                if (discardPartial == null) {
                    return;
                }
                if (pipeline.isCancelled(item.jobId())) {
                    // The cancel came between the finisher's decision and this item's registration.
                    discardPartial.run();
                } else {
                    park(item, true);
                }
            });
            wake.release();
        }, delay.toMillis(), TimeUnit.MILLISECONDS);
        wake.release();
    }

    @Override
    public void run() {
        while (pipeline.isRunning()) {
            try {
                wake.tryAcquire(1, TimeUnit.SECONDS);
                wake.drainPermits();
                for (Runnable event = events.poll(); event != null; event = events.poll()) {
                    event.run();
                }
                dispatch();
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException ex) {
                // The store may be briefly unavailable; the next round tries again.
                log.error("Dispatching failed", ex);
            }
        }
    }

    private void dispatch() throws InterruptedException {
        releaseParked();
        if (refreshJobs) {
            refreshJobs = false;
            List<UUID> unfinished = store.unfinishedJobIds();
            drained.retainAll(unfinished);
            for (UUID id : unfinished) {
                if (!drained.contains(id)) {
                    cursors.computeIfAbsent(id, k -> new JobCursor());
                }
            }
        }
        boolean progress = true;
        while (progress && room() > 0 && !cursors.isEmpty()) {
            progress = false;
            Iterator<Map.Entry<UUID, JobCursor>> jobs = cursors.entrySet().iterator();
            List<UUID> exhausted = new ArrayList<>();
            while (jobs.hasNext() && room() > 0) {
                Map.Entry<UUID, JobCursor> job = jobs.next();
                int read = claim(job.getKey(), job.getValue());
                if (read < 0) {
                    exhausted.add(job.getKey());
                } else if (read > 0) {
                    progress = true;
                }
            }
            exhausted.forEach(cursors::remove);
            drained.addAll(exhausted);
        }
    }

    /** How far one job has been read. */
    private static final class JobCursor {

        /**
         * Highest index read in index order: each item up to it is claimed, or skipped for a host in behind. Past
         * the job's last item once reading found the end, as the items skipped on the way may be the last ones.
         */
        int read = -1;
        /** Reading in index order found the job's end; no item is added to a job later. */
        boolean atEnd;
        /**
         * Hosts that had no room when reading passed their items, each with the index up to which its items are
         * claimed; its items after that, up to {@code read}, are still to be claimed.
         */
        final Map<String, Integer> behind = new LinkedHashMap<>();
    }

    /**
     * Parks the next batch of one job's items, first those of hosts left behind that have room again. Parking
     * ahead of the fetchers means one read of the store feeds many fetches; the fetch queue's order stays fair,
     * as parked items leave each host's queue job by job. Returns how many items were claimed or passed over, or
     * -1 when the job has nothing left to claim.
     */
    private int claim(UUID jobId, JobCursor cursor) throws InterruptedException {
        if (pipeline.isCancelled(jobId)) {
            return -1;
        }
        int progress = catchUp(jobId, cursor);
        // The rows of hosts left behind are passed over in the store: reading them only to skip them made every
        // item of a one-host job be read three times.
        List<Item> items = cursor.atEnd ? List.of()
                : store.queuedItems(jobId, cursor.read, CLAIM_BATCH, cursor.behind.keySet());
        for (Item item : items) {
            String host = host(item);
            if (!cursor.behind.containsKey(host)) {
                if (isFull(host, jobId)) {
                    cursor.behind.put(host, item.index() - 1);
                } else {
                    park(item, false);
                }
            }
            cursor.read = item.index();
            progress++;
        }
        if (!cursor.atEnd && items.size() < CLAIM_BATCH) {
            cursor.atEnd = true;
            cursor.read = Integer.MAX_VALUE;
        }
        if (items.isEmpty()) {
            return cursor.behind.isEmpty() ? -1 : progress;
        }
        releaseParked();
        return progress;
    }

    /** Claims the items reading passed over for hosts that now have room; returns how many it claimed. */
    private int catchUp(UUID jobId, JobCursor cursor) {
        int claimed = 0;
        Iterator<Map.Entry<String, Integer>> hosts = cursor.behind.entrySet().iterator();
        while (hosts.hasNext()) {
            Map.Entry<String, Integer> behind = hosts.next();
            String host = behind.getKey();
            // Reading again only once half the parked items are gone, and as many as fill them up: one read then
            // parks many, and none is read for nothing.
            if (!isLow(host, jobId)) {
                continue;
            }
            int room = parkPerHost - parked(host, jobId);
            List<Item> items = store.queuedItemsOfHost(jobId, host, behind.getValue(), cursor.read, room);
            for (Item item : items) {
                park(item, false);
                behind.setValue(item.index());
                claimed++;
            }
            if (items.size() < room) {
                // Reading at the cursor takes this host's items again from here on.
                hosts.remove();
            }
        }
        return claimed;
    }

    private void park(Item item, boolean first) {
        parked.computeIfAbsent(host(item), h -> new HostQueue()).add(item, first);
    }

    /** Moves parked items whose host has a free slot into the fetch queue, while it has room. */
    private void releaseParked() throws InterruptedException {
        Iterator<Map.Entry<String, HostQueue>> hosts = parked.entrySet().iterator();
        while (hosts.hasNext() && room() > 0) {
            Map.Entry<String, HostQueue> host = hosts.next();
            HostQueue items = host.getValue();
            while (!items.isEmpty() && hasSlot(host.getKey()) && room() > 0) {
                hostSlots.merge(host.getKey(), 1, Integer::sum);
                fetchQueue.put(items.poll());
            }
            if (items.isEmpty()) {
                hosts.remove();
            }
        }
    }

    /** The job has parked enough items of the host to keep its slots busy: more would only take memory. */
    private boolean isFull(String host, UUID jobId) {
        return parked(host, jobId) >= parkPerHost;
    }

    /** The job's parked items of the host are down to half what keeps its slots busy: time to read more. */
    private boolean isLow(String host, UUID jobId) {
        return parked(host, jobId) <= parkPerHost / 2;
    }

    private int parked(String host, UUID jobId) {
        HostQueue waiting = parked.get(host);
        return waiting == null ? 0 : waiting.size(jobId);
    }

    /** The parked items of one host, by job; {@link #poll()} takes from each job in turn. */
    private static final class HostQueue {

        private final Map<UUID, ArrayDeque<Item>> byJob = new LinkedHashMap<>();

        void add(Item item, boolean first) {
            ArrayDeque<Item> items = byJob.computeIfAbsent(item.jobId(), job -> new ArrayDeque<>());
            if (first) {
                items.addFirst(item);
            } else {
                items.addLast(item);
            }
        }

        Item poll() {
            Iterator<Map.Entry<UUID, ArrayDeque<Item>>> jobs = byJob.entrySet().iterator();
            Map.Entry<UUID, ArrayDeque<Item>> next = jobs.next();
            Item item = next.getValue().pollFirst();
            jobs.remove();
            if (!next.getValue().isEmpty()) {
                byJob.put(next.getKey(), next.getValue());
            }
            return item;
        }

        int size(UUID jobId) {
            ArrayDeque<Item> items = byJob.get(jobId);
            return items == null ? 0 : items.size();
        }

        boolean isEmpty() {
            return byJob.isEmpty();
        }

        void removeJob(UUID jobId) {
            byJob.remove(jobId);
        }
    }

    private boolean hasSlot(String host) {
        return hostSlots.getOrDefault(host, 0) < perHost;
    }

    private int room() {
        return Math.min(fetchQueue.remainingCapacity(), lookahead - fetchQueue.size());
    }

    private static String host(Item item) {
        return JobStore.hostKey(URI.create(item.url()));
    }
}
