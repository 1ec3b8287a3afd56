package io.fetchline.job;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import io.fetchline.job.Claims.Claimed;

/**
 * The one stream of committed changes. Whoever commits a change of a job or of its items says so here, once, right
 * after the commit: the recorder for each batch of item records, the service for a submit, pause, resume, patch,
 * cancel or retry, the dispatcher when a job starts, {@link JobEnds} when one ends, recovery for what it found.
 * The tallies behind status reads ({@link JobProgress}) are kept here; everything else that must learn of changes
 * ({@link JobEnds}'s waiters, event streams) listens.
 *
 * <p>Listeners are called on the committing thread, in the order that thread committed: they must return at once,
 * and never block. Changes from different threads may reach them in either order; a listener that needs a job as
 * it is now reads it.
 */
@Component
public class JobChanges {

    private static final Logger log = LoggerFactory.getLogger(JobChanges.class);

    /**
     * What one commit changed of one job.
     *
     * @param state the job's new state, or null when the commit left it as it was (progress, a patch)
     * @param items the items whose state changed, as they are now
     * @param allNowIn when not null, every item of the job now in this state changed to it with this commit: too
     *     many, perhaps, to list (a cancel, a retry)
     */
    public record Change(UUID job, JobState state, List<Item> items, ItemState allNowIn) {

        public Change {
            items = List.copyOf(items);
        }

        public boolean ended() {
            return state != null && state.isTerminal();
        }
    }

    /** Told of every publication; see the class comment for what it may do. */
    public interface Listener {

        void changed(List<Change> changes);
    }

    /**
     * One record of the item's claim holder, with the item as the store held it before: the holder's last record
     * under this claim, or the item as it was claimed.
     */
    public record Recorded(Claimed next, Item stored) {
    }

    private final Claims claims;
    private final JobProgress progress;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();

    public JobChanges(Claims claims, JobProgress progress) {
        this.claims = claims;
        this.progress = progress;
    }

    public void subscribe(Listener listener) {
        listeners.add(listener);
    }

    public void unsubscribe(Listener listener) {
        listeners.remove(listener);
    }

    /**
     * Commits a batch of claim holders' records (each checked against its claim), adds those the store took to the
     * tallies with no count in between, and publishes them. Returns the records refused because the claim is gone.
     */
    public List<Claimed> record(Collection<Recorded> records) {
        List<Claimed> next = new ArrayList<>(records.size());
        records.forEach(record -> next.add(record.next()));
        Map<UUID, List<Item>> changedState = new LinkedHashMap<>();
        List<Claimed> refused = progress.committing(() -> {
            List<Claimed> lost = claims.record(next);
            // The very records handed over come back: no need to compare items field by field.
            Set<Claimed> notTaken = Collections.newSetFromMap(new IdentityHashMap<>());
            notTaken.addAll(lost);
            for (Recorded record : records) {
                if (notTaken.contains(record.next())) {
                    continue;
                }
                Item after = record.next().item();
                progress.changed(record.stored(), after);
                List<Item> items = changedState.computeIfAbsent(after.jobId(), job -> new ArrayList<>());
                if (record.stored().state() != after.state()) {
                    items.add(after);
                }
            }
            return lost;
        });
        List<Change> changes = new ArrayList<>(changedState.size());
        changedState.forEach((job, items) -> changes.add(new Change(job, null, items, null)));
        publish(changes);
        return refused;
    }

    /** A new job is stored, queued or paused, with {@code items} items. */
    void submitted(UUID job, JobState state, int items) {
        progress.remember(job, Tally.queued(items), false);
        publish(List.of(new Change(job, state, List.of(), null)));
    }

    /**
     * The job's own row changed: its state (paused, resumed, started: {@code state} then says to what), or what a
     * patch sets ({@code state} null).
     */
    public void changed(UUID job, JobState state) {
        publish(List.of(new Change(job, state, List.of(), null)));
    }

    /** The job ended with no item left to do; {@code tally} is the count that decided it. */
    void ended(UUID job, JobState state, Tally tally) {
        progress.remember(job, tally, true);
        publish(List.of(new Change(job, state, List.of(), null)));
    }

    /** A cancel or a retry moved every item of the job in some states to {@code allNowIn}: counted afresh. */
    void movedAll(UUID job, JobState state, ItemState allNowIn) {
        progress.recount(job, state.isTerminal());
        publish(List.of(new Change(job, state, List.of(), allNowIn)));
    }

    /** Recovery changed the job's items as it found them on disk, before any claim exists: read afresh. */
    public void recovered(UUID job) {
        progress.forget(job);
        publish(List.of(new Change(job, null, List.of(), null)));
    }

    /** The pipeline let go of every item it held, back to the queue, as it stops. */
    public void releasedAll() {
        progress.forgetAll();
    }

    private void publish(List<Change> changes) {
        if (changes.isEmpty()) {
            return;
        }
        for (Listener listener : listeners) {
            try {
                listener.changed(changes);
            } catch (RuntimeException ex) {
                // One broken listener must not keep the others, or the committing thread, from going on.
                log.error("A listener of job changes failed", ex);
            }
        }
    }
}
