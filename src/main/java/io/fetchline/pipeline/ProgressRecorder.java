package io.fetchline.pipeline;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.fetchline.job.Claims;
import io.fetchline.job.Claims.Claimed;
import io.fetchline.job.Item;
import io.fetchline.job.ItemState;
import io.fetchline.job.JobChanges;
import io.fetchline.job.JobEnds;

/**
 * The recorder thread: writes the claim holder's item states to the store in batches, each record checked
 * against its claim's token. A batch is written as soon as something waits for it (an item that ended, a file
 * that may be renamed once its name is stored), and whatever arrives while one is written goes in the next: the
 * busier the pipeline, the bigger the batches. The byte counts of running transfers go in once a tick, and the
 * node's leases are renewed every third of a lease. A refused record stops its transfer: its claim is gone.
 * Each batch is published once committed ({@link JobChanges}), with what each item was before it, so that the
 * jobs' tallies take the change without counting.
 */
final class ProgressRecorder implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(ProgressRecorder.class);
    /**
     * How long the recorder lets work gather once some is waiting. Each write is a commit that costs the store
     * about a millisecond whatever its size, so writing every ended item at once would make the store the
     * bottleneck; a few milliseconds more before a rename cost nothing.
     */
    private static final long GATHER_NANOS = Duration.ofMillis(10).toNanos();

    /**
     * One claim on one item: records of different claims on the same item (a cancelled attempt still ending
     * while its retried item runs again) are kept apart, and a refusal stops only the claim it refused.
     */
    private record Key(UUID jobId, int index, long token) {

        static Key of(Claimed claimed) {
            return new Key(claimed.item().jobId(), claimed.item().index(), claimed.token());
        }

        static Key of(Transfer transfer) {
            return new Key(transfer.item.jobId(), transfer.item.index(), transfer.claim);
        }
    }

    /** How often the byte counts of running transfers go to the store. */
    private final Duration interval;
    /** A record waiting for the next write, with the item as it was claimed, should the store hold nothing newer. */
    private record Pending(Claimed next, Item claimedAs) {
    }

    private final Claims claims;
    private final JobChanges changes;
    private final JobEnds ends;
    private final Transfers transfers;
    private final Node node;
    /** Told of jobs whose items went back to the queue, so that they are read again. */
    private final Consumer<UUID> released;
    private final Map<Key, Pending> pending = new ConcurrentHashMap<>();
    /**
     * The last record the store took for each claim that goes on (its item still active): what the next record of
     * that claim changes. Written by the recorder thread; a cancel forgets its job's.
     */
    private final Map<Key, Item> stored = new ConcurrentHashMap<>();
    private final Map<Transfer, Runnable> awaitingName = new ConcurrentHashMap<>();
    /** Jobs whose attempts ended with nothing to record (a cancel, a lost claim): they may have ended now. */
    private final Set<UUID> unsettled = ConcurrentHashMap.newKeySet();
    private final Semaphore work = new Semaphore(0);
    /** Set by the pipeline once the writers are done, so that files finishing during shutdown are recorded. */
    private volatile boolean mayStop;

    ProgressRecorder(Claims claims, JobChanges changes, JobEnds ends, Transfers transfers, Node node,
            Duration interval, Consumer<UUID> released) {
        this.interval = interval;
        this.released = released;
        this.claims = claims;
        this.changes = changes;
        this.ends = ends;
        this.transfers = transfers;
        this.node = node;
    }

    /** Runs {@code completion} after the first write that includes the transfer's file name. */
    void afterNameRecorded(Transfer transfer, Runnable completion) {
        awaitingName.put(transfer, completion);
        work.release();
    }

    /** Records {@code item} with the next write; {@code claimedAs} is the item as its claim was taken. */
    void record(Claimed item, Item claimedAs) {
        pending.merge(Key.of(item), new Pending(item, claimedAs), ProgressRecorder::latest);
        work.release();
    }

    /** The job was cancelled: its claims are gone, and no record of them will be taken again. */
    void cancelled(UUID job) {
        stored.keySet().removeIf(key -> key.jobId().equals(job));
    }

    /** An attempt of the job ended with nothing to record; the job is looked at with the next write. */
    void mayHaveEnded(UUID job) {
        unsettled.add(job);
        work.release();
    }

    /** Ends the loop after one more write, as on stop. */
    void stop() {
        mayStop = true;
        work.release();
    }

    @Override
    public void run() {
        long nextTick = System.nanoTime() + interval.toNanos();
        long nextRenewal = System.nanoTime() + node.lease().toNanos() / 3;
        while (!mayStop) {
            try {
                boolean waiting = work.tryAcquire(Math.max(0, nextTick - System.nanoTime()), TimeUnit.NANOSECONDS);
                work.drainPermits();
                if (waiting && !mayStop) {
                    LockSupport.parkNanos(GATHER_NANOS);
                }
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                return;
            }
            long now = System.nanoTime();
            boolean tick = now - nextTick >= 0;
            if (tick) {
                nextTick = now + interval.toNanos();
            }
            boolean renew = now - nextRenewal >= 0;
            if (renew) {
                nextRenewal = now + node.lease().toNanos() / 3;
            }
            if (!flush(tick, renew)) {
                pause();
            }
        }
    }

    /** Writes what waits and, on a tick, the byte counts of every running transfer; false when the store failed. */
    boolean flush(boolean tick, boolean renew) {
        try {
            write(tick);
            if (renew) {
                claims.renew(node.id(), node.lease());
            }
            return true;
        } catch (RuntimeException ex) {
            log.error("Recording progress failed; retrying on the next tick", ex);
            return false;
        }
    }

    private synchronized void write(boolean tick) {
        Map<Key, Pending> batch = new HashMap<>(pending);
        List<Transfer> named = new ArrayList<>();
        for (Transfer transfer : transfers.all()) {
            // A name is stored as soon as it is reserved, so that the file is usually renamed the moment its last
            // byte is written; the byte counts of the others only once a tick.
            boolean unrecordedName = !transfer.nameRecorded && transfer.file != null;
            if (!tick && !unrecordedName && !awaitingName.containsKey(transfer)) {
                continue;
            }
            Item progress = transfer.progress();
            batch.merge(Key.of(transfer), new Pending(new Claimed(progress, transfer.claim), transfer.item),
                    ProgressRecorder::latest);
            if (progress.file() != null) {
                named.add(transfer);
            }
        }
        if (batch.isEmpty()) {
            settleEnded(batch, Set.of());
            return;
        }
        List<JobChanges.Recorded> records = new ArrayList<>(batch.size());
        batch.forEach((key, record) -> records.add(
                new JobChanges.Recorded(record.next(), stored.getOrDefault(key, record.claimedAs()))));
        Set<Key> refused = new HashSet<>();
        for (Claimed lost : changes.record(records)) {
            refused.add(Key.of(lost));
        }
        batch.forEach((key, record) -> {
            if (!refused.contains(key) && record.next().item().state() == ItemState.ACTIVE) {
                stored.put(key, record.next().item());
            } else {
                stored.remove(key);
            }
        });
        for (Transfer transfer : transfers.all()) {
            if (refused.contains(Key.of(transfer))) {
                transfer.stop(Transfer.Stop.LOST);
            }
        }
        for (Transfer transfer : named) {
            if (!refused.contains(Key.of(transfer))) {
                transfer.nameRecorded = true;
            }
            // A transfer whose claim is gone is stopped: its completion lets go of it instead of renaming.
            Runnable completion = awaitingName.remove(transfer);
            if (completion != null) {
                completion.run();
            }
        }
        // Only what was written may leave; a newer state that arrived meanwhile stays for the next batch.
        batch.forEach(pending::remove);
        settleEnded(batch, refused);
    }

    /**
     * Jobs whose items ended in this batch end too, once none of their items is in flight here. A job whose items
     * went back to the queue (a pause) is read again by the dispatcher.
     */
    private void settleEnded(Map<Key, Pending> batch, Set<Key> refused) {
        Set<UUID> ended = new LinkedHashSet<>();
        for (UUID job : unsettled) {
            unsettled.remove(job);
            ended.add(job);
        }
        Set<UUID> releasedJobs = new HashSet<>();
        batch.forEach((key, record) -> {
            ItemState state = record.next().item().state();
            if (state.isTerminal() && !refused.contains(key)) {
                ended.add(key.jobId());
            } else if (state == ItemState.QUEUED) {
                releasedJobs.add(key.jobId());
            }
        });
        releasedJobs.forEach(released);
        if (ended.isEmpty()) {
            return;
        }
        // Counting a job's items reads all of them: only worth it once none of its items is in flight.
        Set<UUID> busy = new HashSet<>();
        transfers.all().forEach(transfer -> busy.add(transfer.item.jobId()));
        pending.keySet().forEach(key -> busy.add(key.jobId()));
        List<UUID> idle = new ArrayList<>(ended);
        idle.removeAll(busy);
        idle.forEach(ends::settle);
    }

    /** After a failed write: the store may be briefly unavailable, and retrying at once would only spin. */
    private void pause() {
        try {
            Thread.sleep(interval.toMillis());
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * A final state is never replaced by an earlier progress report that arrives after it. The item as first claimed
     * stays: the store holds nothing of the records merged here.
     */
    private static Pending latest(Pending older, Pending newer) {
        if (older.next().item().state().isTerminal() && newer.next().item().state() == ItemState.ACTIVE) {
            return older;
        }
        return new Pending(newer.next(), older.claimedAs());
    }
}
