package io.fetchline.job;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.function.Predicate;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.stereotype.Service;

/**
 * Jobs as the API sees them. Every change is decided by the store first and committed; then the work on jobs
 * hears of it ({@link JobEvents}), and it is published once on the stream of committed changes ({@link JobChanges}).
 */
@Service
public class JobService {

    private static final Logger log = LoggerFactory.getLogger(JobService.class);
    /** A control that loses a race with another one looks at the job again, this many times at most. */
    private static final int RACES = 3;

    private final JobStore store;
    private final JobProgress progress;
    private final JobEvents events;
    private final JobEnds ends;
    private final JobChanges changes;

    public JobService(JobStore store, JobProgress progress, JobEvents events, JobEnds ends, JobChanges changes) {
        this.store = store;
        this.progress = progress;
        this.events = events;
        this.ends = ends;
        this.changes = changes;
    }

    /** A submission after validation; {@code idempotencyKey} may be null. */
    public record Submission(JobStore.Settings settings, List<NewItem> items, String idempotencyKey,
            String requestSha256) {
    }

    /** What a submission led to: a new job, a repeat of an earlier one, or a reused key with another body. */
    public record Submitted(Job job, Outcome outcome) {
    }

    public enum Outcome {
        CREATED, REPEATED, KEY_CONFLICT
    }

    /** How a control (pause, resume, patch, cancel, retry) went. */
    public enum Control {
        /** Done, or nothing to do (pausing a paused job). */
        DONE,
        /** The job's state forbids it. */
        REFUSED,
        NOT_FOUND
    }

    public Submitted submit(Submission submission) {
        if (submission.idempotencyKey() != null) {
            Optional<Submitted> earlier = earlier(submission);
            if (earlier.isPresent()) {
                return earlier.get();
            }
        }
        UUID id = UUID.randomUUID();
        try {
            store.insert(id, submission.settings(), Instant.now(), submission.items(), submission.idempotencyKey(),
                    submission.requestSha256());
        } catch (DuplicateKeyException raced) {
            // Two requests with one key at once: the one stored first wins, the other is its repeat.
            return earlier(submission).orElseThrow(() -> raced);
        }
        // The 202 promises the job survives anything, a power cut included.
        store.sync();
        log.info("Job {} accepted with {} items{}", id, submission.items().size(),
                submission.settings().paused() ? ", paused" : "");
        // Nothing has run yet: no need to count what was just stored.
        JobState state = submission.settings().paused() ? JobState.PAUSED : JobState.QUEUED;
        changes.submitted(id, state, submission.items().size());
        if (!submission.settings().paused()) {
            events.queued(id);
        }
        Job created = job(id).orElseThrow();
        return new Submitted(created, Outcome.CREATED);
    }

    private Optional<Submitted> earlier(Submission submission) {
        return store.findByIdempotencyKey(submission.idempotencyKey()).map(stored -> {
            Job job = job(stored.jobId()).orElseThrow();
            return new Submitted(job, stored.requestSha256().equals(submission.requestSha256()) ? Outcome.REPEATED
                    : Outcome.KEY_CONFLICT);
        });
    }

    public Optional<Job> job(UUID id) {
        return store.findJobRow(id).map(progress::of);
    }

    public List<Job> jobs(JobState state, int offset, int limit) {
        return store.listJobRows(state, offset, limit).stream().map(progress::of).toList();
    }

    public int countJobs(JobState state) {
        return store.countJobs(state);
    }

    public List<Item> items(UUID jobId, ItemState state, int offset, int limit) {
        return store.findItems(jobId, state, offset, limit);
    }

    public int countItems(UUID jobId, ItemState state) {
        return store.countItems(jobId, state);
    }

    public Optional<Item> item(UUID jobId, int index) {
        return store.findItem(jobId, index);
    }

    public Control cancel(UUID id) {
        if (store.findJobRow(id).isEmpty()) {
            return Control.NOT_FOUND;
        }
        OptionalInt cancelled = store.cancel(id, Instant.now());
        if (cancelled.isEmpty()) {
            return Control.REFUSED;
        }
        // The pipeline hears of it before the commit is forced to disk: every millisecond counts for a file that
        // is about to be renamed into place.
        events.cancelled(id, cancelled.getAsInt());
        store.sync();
        log.info("Job {} cancelled with {} items unfinished", id, cancelled.getAsInt());
        changes.movedAll(id, JobState.CANCELLED, ItemState.CANCELLED);
        return Control.DONE;
    }

    /** Pauses a queued or running job; a paused one stays as it is. */
    public Control pause(UUID id) {
        return control(id, store::pause, state -> state == JobState.PAUSED, () -> {
            events.paused(id);
            store.sync();
            log.info("Job {} paused", id);
            changes.changed(id, JobState.PAUSED);
        });
    }

    /** Resumes a paused job; a queued or running one stays as it is. */
    public Control resume(UUID id) {
        return control(id, store::resume, state -> state == JobState.QUEUED || state == JobState.RUNNING, () -> {
            store.sync();
            log.info("Job {} resumed", id);
            changes.changed(id, JobState.QUEUED);
            // A job whose last items ended just as it was paused has nothing left to do.
            if (!ends.settle(id)) {
                events.queued(id);
            }
        });
    }

    /** Changes a job that has not ended. */
    public Control patch(UUID id, JobStore.Patch patch) {
        return control(id, job -> store.patch(job, patch), state -> false, () -> {
            store.sync();
            events.changed(id);
            changes.changed(id, null);
        });
    }

    /** Puts the failed and cancelled items of a terminal job back in the queue; the job runs unpaused. */
    public Control retry(UUID id) {
        return control(id, store::retry, state -> false, () -> {
            store.sync();
            log.info("Job {} retried", id);
            changes.movedAll(id, JobState.QUEUED, ItemState.QUEUED);
            // A job with nothing to retry is done again at once.
            if (!ends.settle(id)) {
                events.queued(id);
            }
        });
    }

    /**
     * Tries a change; when the store refuses it, the job's state then says whether the change was simply not
     * needed ({@code alreadyThere}), or forbidden. A job changing state meanwhile is looked at again.
     */
    private Control control(UUID id, Predicate<UUID> change, Predicate<JobState> alreadyThere, Runnable after) {
        for (int race = 0; race < RACES; race++) {
            if (change.test(id)) {
                after.run();
                return Control.DONE;
            }
            Optional<Job> job = store.findJobRow(id);
            if (job.isEmpty()) {
                return Control.NOT_FOUND;
            }
            if (alreadyThere.test(job.get().state())) {
                return Control.DONE;
            }
            if (job.get().state().isTerminal() || race == RACES - 1) {
                return Control.REFUSED;
            }
        }
        return Control.REFUSED;
    }
}
