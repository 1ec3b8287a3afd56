package io.fetchline.job;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

import org.springframework.stereotype.Component;

/**
 * Item counts and byte totals of jobs, as status reads show them, kept up to date from the stream of committed
 * changes ({@link JobChanges}) instead of being counted per read: counting a job means reading all its items, which
 * takes hundreds of milliseconds for 100,000 of them. A job is counted once, the first time it is asked for; each
 * recorded item change is then added to its tally; a change that touches many items at once (cancel, retry,
 * recovery) counts it afresh.
 */
@Component
public class JobProgress {

    private static final int MAX_JOBS = 10_000;

    /** A job's tally, and whether the job has ended, after which its items change no more until a retry. */
    private record Entry(Tally tally, boolean ended) {
    }

    private final JobStore store;
    private final Map<UUID, Entry> tallies = new ConcurrentHashMap<>();
    /**
     * Held while item records are committed and added to the tallies, and while a job that may be changing is
     * counted, so that a count never misses, nor adds twice, a record committed around it.
     */
    private final ReentrantLock commits = new ReentrantLock();

    public JobProgress(JobStore store) {
        this.store = store;
    }

    /** The job with its items counted. */
    public Job of(Job row) {
        Entry known = tallies.get(row.id());
        // An ended job whose tally still shows work to do was counted just before its end was committed.
        if (known == null || (row.state().isTerminal() && known.tally().unfinished() > 0)) {
            known = row.state().isTerminal() ? countEnded(row.id(), known) : recount(row.id(), false);
        }
        return row.with(known.tally().progress(row.items().total()));
    }

    /**
     * Counts a job afresh, after a change of many of its items at once; {@code ended} when the job has ended, so that
     * late records of it are not added.
     */
    Entry recount(UUID id, boolean ended) {
        commits.lock();
        try {
            Entry counted = new Entry(store.tally(id), ended);
            put(id, counted);
            return counted;
        } finally {
            commits.unlock();
        }
    }

    /**
     * An ended job takes no records, so it is counted without holding up the recorder; a count that a retry overtook
     * does not replace the retry's own.
     */
    private Entry countEnded(UUID id, Entry stale) {
        Entry counted = new Entry(store.tally(id), true);
        return tallies.compute(id, (key, current) -> current == null || current == stale ? counted : current);
    }

    /** A tally known without counting: a new job's, or the one that ended a job. */
    void remember(UUID id, Tally tally, boolean ended) {
        put(id, new Entry(tally, ended));
    }

    /** The job's items changed where no record says how (recovery): it is counted at its next read. */
    void forget(UUID id) {
        tallies.remove(id);
    }

    /** Items of any job may have changed where no record says how (the pipeline let go of all it held). */
    void forgetAll() {
        tallies.clear();
    }

    /** Runs {@code commit} with no count in between: it commits item records and then adds them. */
    <T> T committing(Supplier<T> commit) {
        commits.lock();
        try {
            return commit.get();
        } finally {
            commits.unlock();
        }
    }

    /** Adds one committed change of one item; called while {@link #committing}. */
    void changed(Item before, Item after) {
        tallies.computeIfPresent(after.jobId(), (id, entry) -> entry.ended() ? entry
                : new Entry(entry.tally().changed(before, after), false));
    }

    private void put(UUID id, Entry entry) {
        if (tallies.size() >= MAX_JOBS && !tallies.containsKey(id)) {
            // Ended jobs first: counting one again costs the recorder nothing.
            tallies.values().removeIf(Entry::ended);
            if (tallies.size() >= MAX_JOBS) {
                tallies.clear();
            }
        }
        tallies.put(id, entry);
    }
}
