package io.fetchline.job;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * Item counts and byte totals of jobs, as status reads show them. Counting a job means reading all its items,
 * which takes hundreds of milliseconds for 100,000 of them, so a running job's last count is served at once and
 * recounted in the background when it is older than a second, or than ten times the last count took; a finished
 * job's count stays until a retry.
 * Clients polling a big job then cost the store one count a second, however often they poll.
 */
@Component
public class JobProgress implements DisposableBean {

    private static final long STALE_NANOS = Duration.ofSeconds(1).toNanos();
    /**
     * A count may take at most a tenth of the time between counts: counting a 100,000-item job every second
     * would take a good part of a core away from the downloads it reports on.
     */
    private static final int QUIET_FACTOR = 10;
    private static final int MAX_JOBS = 10_000;

    /** A count, when it was taken, and how long it took. */
    private record Counted(Job.Progress progress, long at, long tookNanos) {

        boolean isStale(long now) {
            return now - at > Math.max(STALE_NANOS, QUIET_FACTOR * tookNanos);
        }
    }

    private final JobStore store;
    private final Map<UUID, Counted> counted = new ConcurrentHashMap<>();
    private final Set<UUID> recounting = ConcurrentHashMap.newKeySet();
    private final ThreadPoolExecutor counter = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(MAX_JOBS), task -> new Thread(task, "job-counter"),
            new ThreadPoolExecutor.DiscardPolicy());

    public JobProgress(JobStore store) {
        this.store = store;
    }

    /** The job with its items counted, at most about a second ago while it runs. */
    public Job of(Job row) {
        UUID id = row.id();
        Counted last = counted.get(id);
        // A count taken once nothing was left to do cannot change until a retry, which forgets it.
        if (last == null || (row.state().isTerminal() && last.progress().counts().unfinished() > 0)) {
            return row.with(count(id, row.items().total()));
        }
        if (!row.state().isTerminal() && last.isStale(System.nanoTime()) && recounting.add(id)) {
            counter.execute(() -> {
                try {
                    count(id, row.items().total());
                } finally {
                    recounting.remove(id);
                }
            });
        }
        return row.with(last.progress());
    }

    /**
     * A count known without a status read asking for it: a new job's, or the one that ended a job. The next status
     * read then waits for no count of its own.
     */
    public void remember(UUID id, Job.Progress progress) {
        long now = System.nanoTime();
        counted.put(id, new Counted(progress, now, 0));
    }

    /** The job's items changed outside the pipeline's progress (cancel, retry): count afresh next time. */
    public void forget(UUID id) {
        counted.remove(id);
    }

    @Override
    public void destroy() {
        counter.shutdownNow();
    }

    private Job.Progress count(UUID id, int total) {
        if (counted.size() >= MAX_JOBS) {
            counted.clear();
        }
        long start = System.nanoTime();
        Job.Progress progress = store.progress(id, total);
        long end = System.nanoTime();
        counted.put(id, new Counted(progress, end, end - start));
        return progress;
    }
}
