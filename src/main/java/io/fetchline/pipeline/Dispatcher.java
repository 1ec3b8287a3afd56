package io.fetchline.pipeline;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.fetchline.job.Claims;
import io.fetchline.job.Claims.Claimed;
import io.fetchline.job.Item;
import io.fetchline.job.JobChanges;
import io.fetchline.job.JobState;
import io.fetchline.job.JobStore;

/**
 * Claims queued items in the store and feeds them to the fetchers: higher priority first, round-robin across the
 * jobs of one priority, so a small job is not stuck behind a large one, and never more than
 * {@code per-host-connections} items of one host in the fetch queue or in fetchers. Items of a busy host wait here
 * ("parked", not yet claimed), so fetchers stay busy with other hosts meanwhile. When a host has as many parked as
 * it can use, reading its job goes on past its items, which are read again once it has room: a job of thousands
 * of URLs of one host does not hold back the few of another host that follow them. A host's slots go to its
 * waiting jobs by priority, and in turn among equals. Items are claimed in the store as they are parked, each read
 * in one update, so that one commit serves many items; they stay {@code QUEUED} until their transfer starts.
 *
 * <p>All state below is touched by the dispatcher thread only; other threads talk to it through {@link #events}.
 * The clean-up of a cancelled item waiting for a retry (removing its partial file) runs on this thread too.
 */
final class Dispatcher implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);
    private static final int READ_BATCH = 64;
    private static final Duration REQUEUE_CHECK = Duration.ofMillis(50);
    /** How long a fetcher waits for slots for segments; the dispatcher answers within one round. */
    private static final Duration SEGMENT_ANSWER = Duration.ofSeconds(2);

    /** An item waiting here, claimed by this node: the token of its claim. */
    private record Parked(Item item, long token) {
    }

    private final JobStore store;
    private final Claims claims;
    private final JobChanges changes;
    private final Node node;
    private final ProgressRecorder recorder;
    private final Transfers transfers;
    private final BooleanSupplier dispatching;
    private final BlockingQueue<Claimed> fetchQueue;
    private final ScheduledExecutorService timer;
    private final int perHost;
    private final int lookahead;
    private final int parkPerHost;

    private final Semaphore wake = new Semaphore(0);
    private final Queue<Runnable> events = new ConcurrentLinkedQueue<>();

    /** How far each job has been read; iteration order is the dispatch order: priority, then age. */
    private Map<UUID, JobCursor> cursors = new LinkedHashMap<>();
    private final Map<UUID, Integer> priorities = new HashMap<>();
    /**
     * Jobs read to the end: reading one again finds nothing until some of its items go back to the queue, and
     * then {@link #itemsReleased} or {@link #jobQueued} say so.
     */
    private final Set<UUID> drained = new HashSet<>();
    /** Jobs queued again whose earlier attempts still run here: not read until those have ended. */
    private final Set<UUID> requeueing = new HashSet<>();
    /** Jobs this dispatcher claimed items of since they were last queued: the store shows them running. */
    private final Set<UUID> running = new HashSet<>();
    /**
     * Jobs paused or cancelled since they were last queued, how, and when (nanoTime): an item whose retry wait
     * registers after the stop goes too. Forgotten after a minute; a registration follows its attempt's end by
     * moments.
     */
    private final Map<UUID, Stopped> stopped = new LinkedHashMap<>();

    private record Stopped(JobState state, long at) {
    }

    private static final long REMEMBER_STOP_NANOS = Duration.ofMinutes(1).toNanos();
    private final Map<String, Integer> hostSlots = new HashMap<>();
    private final Map<String, HostQueue> parked = new HashMap<>();
    /** Items waiting out a retry delay, each with what removes its partial file should its job be cancelled. */
    private final Map<Claimed, Runnable> waiting = new HashMap<>();
    private boolean refreshJobs = true;

    Dispatcher(JobStore store, Claims claims, JobChanges changes, Node node, ProgressRecorder recorder,
            Transfers transfers,
            BooleanSupplier running,
            BlockingQueue<Claimed> fetchQueue, ScheduledExecutorService timer, int perHost, int fetchers) {
        this.store = store;
        this.claims = claims;
        this.changes = changes;
        this.node = node;
        this.recorder = recorder;
        this.transfers = transfers;
        this.dispatching = running;
        this.fetchQueue = fetchQueue;
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

    /** Jobs changed in the store (a priority, say): read them again. */
    void jobsChanged() {
        post(() -> refreshJobs = true);
    }

    /**
     * The job has items to claim (submitted, resumed or retried): they are read from its first queued item, once
     * no attempt of its pause or cancel still runs here. Such an attempt still owns its item's file and may still
     * let go of its claim; the job's new attempts must not start beside it.
     */
    void jobQueued(UUID jobId) {
        post(() -> {
            cursors.remove(jobId);
            requeueing.add(jobId);
            requeue(jobId);
        });
    }

    private void requeue(UUID jobId) {
        if (!requeueing.contains(jobId)) {
            return;
        }
        if (transfers.anyOf(jobId)) {
            try {
                timer.schedule(() -> post(() -> requeue(jobId)), REQUEUE_CHECK.toMillis(), TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException stopping) {
                // Shutting down: the next start reads every queued job afresh.
            }
            return;
        }
        requeueing.remove(jobId);
        transfers.queued(jobId);
        drained.remove(jobId);
        stopped.remove(jobId);
        running.remove(jobId);
        refreshJobs = true;
    }

    /**
     * Items of the job went back to the queue after reading passed them (a pause let go of them while the job was
     * resumed already): it is read again from its first queued item.
     */
    void itemsReleased(UUID jobId) {
        post(() -> {
            cursors.remove(jobId);
            drained.remove(jobId);
            refreshJobs = true;
        });
    }

    /**
     * The job was paused or cancelled: its parked items are forgotten, and those it claimed that wait here or in
     * the fetch queue are let go, back to the queue (paused) or dropped with their partial files (cancelled).
     */
    void jobStopped(UUID jobId, JobState state) {
        post(() -> {
            cursors.remove(jobId);
            drained.remove(jobId);
            requeueing.remove(jobId);
            running.remove(jobId);
            long now = System.nanoTime();
            stopped.values().removeIf(stop -> now - stop.at() > REMEMBER_STOP_NANOS);
            stopped.put(jobId, new Stopped(state, now));
            List<Claimed> claimed = new ArrayList<>();
            for (HostQueue queue : parked.values()) {
                queue.removeJob(jobId).forEach(item -> claimed.add(new Claimed(item.item(), item.token())));
            }
            parked.values().removeIf(HostQueue::isEmpty);
            List<Claimed> queued = new ArrayList<>();
            fetchQueue.removeIf(next -> next.item().jobId().equals(jobId) && queued.add(next));
            queued.forEach(next -> freeSlot(host(next.item())));
            claimed.addAll(queued);
            waiting.entrySet().removeIf(entry -> {
                if (!entry.getKey().item().jobId().equals(jobId)) {
                    return false;
                }
                claimed.add(entry.getKey());
                if (state == JobState.CANCELLED) {
                    entry.getValue().run();
                }
                return true;
            });
            if (state == JobState.PAUSED) {
                claimed.forEach(this::release);
            }
        });
    }

    /** Lets go of a claimed item that will not run now: back to the queue with the bytes it stored. */
    private void release(Claimed claimed) {
        recorder.record(new Claimed(Transfer.released(claimed.item()), claimed.token()), claimed.item());
    }

    /** A fetcher is done with an item, or a segment of its file with its connection: a host slot is free. */
    void released(Item item) {
        String host = host(item);
        post(() -> freeSlot(host));
    }

    /**
     * Takes up to {@code wanted} slots of the item's host for more segments of its file, of those free now, and
     * none while items of that host wait here for a slot: segments never keep an item from its turn. Each slot
     * goes back with {@link #released} once its segment ends. Waits for the dispatcher's answer, briefly.
     */
    int segmentSlots(Item item, int wanted) {
        String host = host(item);
        CompletableFuture<Integer> answer = new CompletableFuture<>();
        post(() -> {
            int granted = parked.containsKey(host) ? 0
                    : Math.max(0, Math.min(wanted, perHost - hostSlots.getOrDefault(host, 0)));
            if (granted > 0) {
                hostSlots.merge(host, granted, Integer::sum);
            }
            if (!answer.complete(granted)) {
                // The asker gave up waiting: the slots were never used.
                for (int i = 0; i < granted; i++) {
                    freeSlot(host);
                }
            }
        });
        try {
            return answer.get(SEGMENT_ANSWER.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException ex) {
            return answer.complete(0) ? 0 : answer.join();
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return answer.complete(0) ? 0 : answer.join();
        }
    }

    /**
     * Hands an item back after a wait that holds no thread; it keeps its claim meanwhile.
     *
     * @param discard removes the item's partial file; run instead when its job is cancelled during the wait
     */
    void retryAfter(Claimed claimed, Duration delay, Runnable discard) {
        // Queued before the timer exists, so the hand-back always finds the item registered.
        post(() -> {
            Stopped stop = stopped.get(claimed.item().jobId());
            if (stop == null) {
                waiting.put(claimed, discard);
            } else if (stop.state() == JobState.PAUSED) {
                // The job was stopped between the attempt's end and this registration.
                release(claimed);
            } else {
                discard.run();
            }
        });
        try {
            timer.schedule(() -> post(() -> {
                // Gone when its job was stopped during the wait, which let go of it then.
                if (waiting.remove(claimed) != null) {
                    park(new Parked(claimed.item(), claimed.token()), true);
                }
            }), delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stopping) {
            // Shutting down: the item keeps its claim until the pipeline lets go of every claim it holds.
        }
    }

    private void post(Runnable event) {
        events.add(event);
        wake.release();
    }

    @Override
    public void run() {
        while (dispatching.getAsBoolean()) {
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
            refresh();
        }
        // Each priority in turn, highest first: its jobs share in turn, and a lower priority gets only the room
        // that the higher ones leave (their hosts busy, or nothing left to read).
        List<Integer> levels = cursors.values().stream().map(cursor -> cursor.priority).distinct().toList();
        for (int level : levels) {
            if (room() <= 0) {
                break;
            }
            dispatchLevel(level);
        }
    }

    private void dispatchLevel(int level) throws InterruptedException {
        boolean progress = true;
        while (progress && room() > 0) {
            progress = false;
            List<UUID> exhausted = new ArrayList<>();
            for (Map.Entry<UUID, JobCursor> job : cursors.entrySet()) {
                if (room() <= 0) {
                    break;
                }
                if (job.getValue().priority != level) {
                    continue;
                }
                int read = read(job.getKey(), job.getValue());
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

    /** Jobs whose items may be claimed, in dispatch order; a job read before keeps its cursor. */
    private void refresh() {
        Map<UUID, JobCursor> ordered = new LinkedHashMap<>();
        Set<UUID> claimable = new HashSet<>();
        priorities.clear();
        for (JobStore.Claimable job : store.claimableJobs()) {
            if (requeueing.contains(job.id())) {
                continue;
            }
            claimable.add(job.id());
            priorities.put(job.id(), job.priority());
            if (!drained.contains(job.id())) {
                JobCursor cursor = cursors.getOrDefault(job.id(), new JobCursor());
                cursor.priority = job.priority();
                ordered.put(job.id(), cursor);
            }
        }
        drained.retainAll(claimable);
        running.retainAll(claimable);
        cursors = ordered;
    }

    /** How far one job has been read. */
    private static final class JobCursor {

        /**
         * Highest index read in index order: each item up to it is parked, or skipped for a host in behind. Past
         * the job's last item once reading found the end, as the items skipped on the way may be the last ones.
         */
        int read = -1;
        /** Reading in index order found the job's end; no item is added to a job later. */
        boolean atEnd;
        int priority;
        /**
         * Hosts that had no room when reading passed their items, each with the index up to which its items are
         * parked; its items after that, up to {@code read}, are still to be read.
         */
        final Map<String, Integer> behind = new LinkedHashMap<>();
    }

    /**
     * Parks the next batch of one job's items, first those of hosts left behind that have room again. Parking
     * ahead of the fetchers means one read of the store feeds many fetches; the fetch queue's order stays fair,
     * as parked items leave each host's queue job by job. Returns how many items were parked or passed over, or
     * -1 when the job has nothing left to read.
     */
    private int read(UUID jobId, JobCursor cursor) throws InterruptedException {
        int progress = catchUp(jobId, cursor);
        // The rows of hosts left behind are passed over in the store: reading them only to skip them made every
        // item of a one-host job be read three times.
        List<Item> items = cursor.atEnd ? List.of()
                : store.queuedItems(jobId, cursor.read, READ_BATCH, cursor.behind.keySet());
        List<Item> toPark = new ArrayList<>(items.size());
        Map<String, Integer> adding = new HashMap<>();
        Map<String, Integer> nowBehind = new LinkedHashMap<>();
        for (Item item : items) {
            String host = host(item);
            if (!cursor.behind.containsKey(host) && !nowBehind.containsKey(host)) {
                // Enough of the host's items parked to keep its slots busy: more would only take memory.
                if (parked(host, jobId) + adding.getOrDefault(host, 0) >= parkPerHost) {
                    nowBehind.put(host, item.index() - 1);
                } else {
                    toPark.add(item);
                    adding.merge(host, 1, Integer::sum);
                }
            }
        }
        // Claimed before the cursor moves: when the store fails, the same items are read again next round.
        List<Claimed> claimed = claim(toPark);
        cursor.behind.putAll(nowBehind);
        if (!items.isEmpty()) {
            cursor.read = items.get(items.size() - 1).index();
            progress += items.size();
        }
        claimed.forEach(item -> park(new Parked(item.item(), item.token()), false));
        if (!cursor.atEnd && items.size() < READ_BATCH) {
            cursor.atEnd = true;
            cursor.read = Integer.MAX_VALUE;
        }
        if (items.isEmpty()) {
            return cursor.behind.isEmpty() ? -1 : progress;
        }
        releaseParked();
        return progress;
    }

    /** Parks the items reading passed over for hosts that now have room; returns how many it parked. */
    private int catchUp(UUID jobId, JobCursor cursor) {
        int parkedNow = 0;
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
            for (Claimed item : claim(items)) {
                park(new Parked(item.item(), item.token()), false);
                parkedNow++;
            }
            if (!items.isEmpty()) {
                behind.setValue(items.get(items.size() - 1).index());
            }
            if (items.size() < room) {
                // Reading at the cursor takes this host's items again from here on.
                hosts.remove();
            }
        }
        return parkedNow;
    }

    /**
     * Claims items read for parking, in one update: an item is parked only once this node holds it, and one that
     * could not be claimed was decided on by someone else first.
     */
    private List<Claimed> claim(List<Item> items) {
        if (items.isEmpty()) {
            // Most rounds find nothing to park; a transaction for nothing costs the store a commit all the same.
            return List.of();
        }
        List<UUID> started = new ArrayList<>();
        List<Claimed> claimed = claims.claim(items, node.id(), node.lease(), job -> !running.contains(job),
                started::add);
        claimed.forEach(item -> running.add(item.item().jobId()));
        started.forEach(job -> changes.changed(job, JobState.RUNNING));
        return claimed;
    }

    private void park(Parked item, boolean first) {
        parked.computeIfAbsent(host(item.item()), h -> new HostQueue()).add(item, first);
    }

    /**
     * Moves parked items whose host has a free slot into the fetch queue, while it has room: hosts whose best job
     * has the highest priority first.
     */
    private void releaseParked() throws InterruptedException {
        if (parked.isEmpty() || room() <= 0) {
            return;
        }
        List<Map.Entry<String, HostQueue>> hosts = new ArrayList<>(parked.entrySet());
        if (priorities.size() > 1) {
            hosts.sort(Comparator.comparingInt(host -> -host.getValue().topPriority(priorities)));
        }
        for (Map.Entry<String, HostQueue> host : hosts) {
            HostQueue items = host.getValue();
            while (!items.isEmpty() && hasSlot(host.getKey()) && room() > 0) {
                hostSlots.merge(host.getKey(), 1, Integer::sum);
                Parked item = items.poll(priorities);
                fetchQueue.put(new Claimed(item.item(), item.token()));
            }
            if (items.isEmpty()) {
                parked.remove(host.getKey());
            }
            if (room() <= 0) {
                break;
            }
        }
    }

    /** The job's parked items of the host are down to half what keeps its slots busy: time to read more. */
    private boolean isLow(String host, UUID jobId) {
        return parked(host, jobId) <= parkPerHost / 2;
    }

    private int parked(String host, UUID jobId) {
        HostQueue items = parked.get(host);
        return items == null ? 0 : items.size(jobId);
    }

    /** The parked items of one host, by job; {@link #poll} takes from the job of highest priority, among equals in turn. */
    private static final class HostQueue {

        private final Map<UUID, ArrayDeque<Parked>> byJob = new LinkedHashMap<>();

        void add(Parked item, boolean first) {
            ArrayDeque<Parked> items = byJob.computeIfAbsent(item.item().jobId(), job -> new ArrayDeque<>());
            if (first) {
                items.addFirst(item);
            } else {
                items.addLast(item);
            }
        }

        Parked poll(Map<UUID, Integer> priorities) {
            UUID next = null;
            int best = Integer.MIN_VALUE;
            for (UUID job : byJob.keySet()) {
                int priority = priorities.getOrDefault(job, 0);
                if (next == null || priority > best) {
                    next = job;
                    best = priority;
                }
            }
            ArrayDeque<Parked> items = byJob.remove(next);
            Parked item = items.pollFirst();
            if (!items.isEmpty()) {
                // To the back: the next job of the same priority goes first next time.
                byJob.put(next, items);
            }
            return item;
        }

        int topPriority(Map<UUID, Integer> priorities) {
            int best = Integer.MIN_VALUE;
            for (UUID job : byJob.keySet()) {
                best = Math.max(best, priorities.getOrDefault(job, 0));
            }
            return best;
        }

        int size(UUID jobId) {
            ArrayDeque<Parked> items = byJob.get(jobId);
            return items == null ? 0 : items.size();
        }

        boolean isEmpty() {
            return byJob.isEmpty();
        }

        /** Forgets the job's items and returns them. */
        List<Parked> removeJob(UUID jobId) {
            ArrayDeque<Parked> items = byJob.remove(jobId);
            return items == null ? List.of() : List.copyOf(items);
        }
    }

    private void freeSlot(String host) {
        hostSlots.merge(host, -1, (a, b) -> a + b <= 0 ? null : a + b);
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
