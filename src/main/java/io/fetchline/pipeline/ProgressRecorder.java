package io.fetchline.pipeline;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
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

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.fetchline.job.Item;
import io.fetchline.job.ItemState;
import io.fetchline.job.JobEnds;
import io.fetchline.job.JobProgress;
import io.fetchline.job.JobStore;

/**
 * Collects item states in memory and writes the latest of each to the store in batches. A batch is written as
 * soon as something waits for it (an item that ended, a file that may be renamed once its name is stored), and
 * whatever arrives while one is written goes in the next: the busier the pipeline, the bigger the batches, and
 * a lone small file is not held up for a fixed tick. The byte counts of running transfers go in once a tick.
 */
final class ProgressRecorder {

    private static final Logger log = LoggerFactory.getLogger(ProgressRecorder.class);

    private record Key(UUID jobId, int index) {
    }

    private final JobStore store;
    private final JobProgress progress;
    private final JobEnds ends;
    private final Map<Key, Item> pending = new ConcurrentHashMap<>();
    private final Map<Transfer, Runnable> awaitingName = new ConcurrentHashMap<>();
    private final Semaphore work = new Semaphore(0);
    /** Jobs already marked running in the store, so each batch need not mark them again. */
    private final Set<UUID> markedRunning = ConcurrentHashMap.newKeySet();

    ProgressRecorder(JobStore store, JobProgress progress, JobEnds ends) {
        this.store = store;
        this.progress = progress;
        this.ends = ends;
    }

    /** Runs {@code completion} after the first write that includes the transfer's file name. */
    void afterNameRecorded(Transfer transfer, Runnable completion) {
        awaitingName.put(transfer, completion);
        work.release();
    }

    void record(Item item) {
        pending.merge(new Key(item.jobId(), item.index()), item, ProgressRecorder::latest);
        work.release();
    }

    /** The job went back to the queue (a retry): it is marked running again when it next starts. */
    void requeued(UUID jobId) {
        markedRunning.remove(jobId);
    }

    /** Ends a wait in {@link #awaitWork} now, as on stop. */
    void wake() {
        work.release();
    }

    /** Waits until something is waiting to be written, or for at most {@code millis}; true when something is. */
    boolean awaitWork(long millis) throws InterruptedException {
        boolean any = work.tryAcquire(Math.max(0, millis), TimeUnit.MILLISECONDS);
        work.drainPermits();
        return any;
    }

    /**
     * Writes what was recorded and the names of running transfers not stored yet, plus, when {@code tick}, the
     * byte counts of all transfers still running.
     */
    synchronized void flush(Collection<Transfer> running, boolean tick) {
        Map<Key, Item> batch = new HashMap<>(pending);
        List<Transfer> named = new ArrayList<>();
        for (Transfer transfer : running) {
            // A name is stored as soon as it is reserved, so that the file is usually renamed the moment its last
            // byte is written; the byte counts of the others only once a tick.
            boolean unrecordedName = !transfer.nameRecorded && transfer.file != null;
            if (!tick && !unrecordedName && !awaitingName.containsKey(transfer)) {
                continue;
            }
            Item progress = transfer.progress();
            batch.merge(new Key(progress.jobId(), progress.index()), progress, ProgressRecorder::latest);
            if (progress.file() != null) {
                named.add(transfer);
            }
        }
        if (batch.isEmpty()) {
            return;
        }
        store.recordItems(batch.values());
        named.forEach(transfer -> transfer.nameRecorded = true);
        for (Transfer transfer : named) {
            Runnable completion = awaitingName.remove(transfer);
            if (completion != null) {
                completion.run();
            }
        }
        // Only what was written may leave; a newer state that arrived meanwhile stays for the next batch.
        batch.forEach(pending::remove);
        Map<UUID, Instant> started = new HashMap<>();
        Set<UUID> ended = new LinkedHashSet<>();
        for (Item item : batch.values()) {
            if (item.startedAt() != null && !markedRunning.contains(item.jobId())) {
                started.merge(item.jobId(), item.startedAt(), (a, b) -> a.isBefore(b) ? a : b);
            }
            if (item.state().isTerminal()) {
                ended.add(item.jobId());
            }
        }
        started.forEach((job, at) -> {
            store.markRunning(job, at);
            markedRunning.add(job);
        });
        // Counting a job's items reads all of them: only worth it once none of its items is in flight.
        Set<UUID> busy = new HashSet<>();
        running.forEach(transfer -> busy.add(transfer.item.jobId()));
        pending.keySet().forEach(key -> busy.add(key.jobId()));
        Instant now = Instant.now();
        for (UUID job : ended) {
            if (!busy.contains(job)) {
                store.finishIfDone(job, now).ifPresent(end -> finished(job, end));
            }
        }
    }

    private void finished(UUID job, JobStore.Ended ended) {
        markedRunning.remove(job);
        log.info("Job {} finished: {}", job, ended.state());
        progress.remember(job, ended.progress());
        ends.ended(job);
    }

    /** A final state is never replaced by an earlier progress report that arrives after it. */
    private static Item latest(Item older, Item newer) {
        return older.state().isTerminal() && newer.state() == ItemState.ACTIVE ? older : newer;
    }
}
