package io.fetchline.pipeline;

import java.time.Instant;
import java.util.Collection;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.fetchline.job.Item;
import io.fetchline.job.ItemState;
import io.fetchline.job.JobState;
import io.fetchline.job.JobStore;

/**
 * Collects item states in memory and writes the latest of each to the store in one batch per tick, so the
 * database sees a few statements a second however many chunks and items flow.
 */
final class ProgressRecorder {

    private static final Logger log = LoggerFactory.getLogger(ProgressRecorder.class);

    private record Key(UUID jobId, int index) {
    }

    private final JobStore store;
    private final Map<Key, Item> pending = new ConcurrentHashMap<>();
    private final Map<Transfer, Runnable> awaitingName = new ConcurrentHashMap<>();

    ProgressRecorder(JobStore store) {
        this.store = store;
    }

    /** Runs {@code completion} after the first write that includes the transfer's file name. */
    void afterNameRecorded(Transfer transfer, Runnable completion) {
        awaitingName.put(transfer, completion);
    }

    void record(Item item) {
        pending.merge(new Key(item.jobId(), item.index()), item, ProgressRecorder::latest);
    }

    /** Writes what was recorded plus the byte counts of the transfers still running. */
    synchronized void flush(Collection<Transfer> running) {
        Map<Key, Item> batch = new HashMap<>();
        for (Map.Entry<Key, Item> entry : pending.entrySet()) {
            batch.put(entry.getKey(), entry.getValue());
        }
        List<Transfer> named = new ArrayList<>();
        for (Transfer transfer : running) {
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
        // Only what was written may leave; a newer state that arrived meanwhile stays for the next tick.
        batch.forEach(pending::remove);
        Map<UUID, Instant> started = new HashMap<>();
        Set<UUID> ended = new LinkedHashSet<>();
        for (Item item : batch.values()) {
            if (item.startedAt() != null) {
                started.merge(item.jobId(), item.startedAt(), (a, b) -> a.isBefore(b) ? a : b);
            }
            if (item.state().isTerminal()) {
                ended.add(item.jobId());
            }
        }
        started.forEach(store::markRunning);
        Instant now = Instant.now();
        for (UUID job : ended) {
            store.finishIfDone(job, now).ifPresent(state -> log(job, state));
        }
    }

    private static void log(UUID job, JobState state) {
        log.info("Job {} finished: {}", job, state);
    }

    /** A final state is never replaced by an earlier progress report that arrives after it. */
    private static Item latest(Item older, Item newer) {
        return older.state().isTerminal() && newer.state() == ItemState.ACTIVE ? older : newer;
    }
}
