package io.fetchline.job;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Decides when a job has ended, and tells whoever waits for a job's end once the stream of changes says it ended
 * (by itself, or cancelled). The end is published after it is committed, so a waiter that reads the job after
 * registering can never miss it.
 */
@Component
public class JobEnds {

    private static final Logger log = LoggerFactory.getLogger(JobEnds.class);

    private final JobStore store;
    private final JobChanges changes;
    private final Map<UUID, Set<Waiter>> waiting = new ConcurrentHashMap<>();
    private final List<Consumer<UUID>> listeners = new CopyOnWriteArrayList<>();

    public JobEnds(JobStore store, JobChanges changes) {
        this.store = store;
        this.changes = changes;
        changes.subscribe(published -> published.stream().filter(JobChanges.Change::ended)
                .forEach(change -> ended(change.job())));
    }

    /** Ends the job in the state its items decide, if none of them is left to do; true when this call ended it. */
    public boolean settle(UUID job) {
        return store.finishIfDone(job, Instant.now()).map(end -> {
            log.info("Job {} finished: {}", job, end.state());
            changes.ended(job, end.state(), end.tally());
            return true;
        }).orElse(false);
    }

    /** Runs {@code onEnd} once when the job ends, unless the waiter is cancelled first. */
    public Waiter await(UUID job, Runnable onEnd) {
        Waiter waiter = new Waiter(job, onEnd);
        waiting.compute(job, (key, waiters) -> {
            Set<Waiter> all = waiters == null ? ConcurrentHashMap.newKeySet() : waiters;
            all.add(waiter);
            return all;
        });
        return waiter;
    }

    /** Runs {@code listener} after every end of every job, such as the webhook sender's wake-up. */
    public void onEveryEnd(Consumer<UUID> listener) {
        listeners.add(listener);
    }

    /** The job's terminal state is committed: its waiters and listeners go on. */
    private void ended(UUID job) {
        for (Consumer<UUID> listener : listeners) {
            try {
                listener.accept(job);
            } catch (RuntimeException ex) {
                log.warn("A listener to the end of job {} failed", job, ex);
            }
        }
        Set<Waiter> waiters = waiting.remove(job);
        if (waiters == null) {
            return;
        }
        for (Waiter waiter : waiters) {
            try {
                waiter.onEnd.run();
            } catch (RuntimeException ex) {
                // One broken waiter must not keep the others, or the caller, from going on.
                log.warn("A waiter for job {} failed", job, ex);
            }
        }
    }

    public final class Waiter {

        private final UUID job;
        private final Runnable onEnd;

        private Waiter(UUID job, Runnable onEnd) {
            this.job = job;
            this.onEnd = onEnd;
        }

        /** Forgets the waiter, for instance when its request timed out or its client went away. */
        public void cancel() {
            waiting.computeIfPresent(job, (key, waiters) -> {
                waiters.remove(this);
                return waiters.isEmpty() ? null : waiters;
            });
        }
    }
}
