package io.fetchline.job;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.stereotype.Service;

import io.fetchline.pipeline.Pipeline;

/** Jobs as the API sees them: stored first, then handed to the pipeline. */
@Service
public class JobService {

    private static final Logger log = LoggerFactory.getLogger(JobService.class);

    private final JobStore store;
    private final JobProgress progress;
    private final Pipeline pipeline;
    private final JobEnds ends;

    public JobService(JobStore store, JobProgress progress, Pipeline pipeline, JobEnds ends) {
        this.store = store;
        this.progress = progress;
        this.pipeline = pipeline;
        this.ends = ends;
    }

    /** A submission after validation; {@code idempotencyKey} may be null. */
    public record Submission(String label, List<NewItem> items, String idempotencyKey, String requestSha256) {
    }

    /** What a submission led to: a new job, a repeat of an earlier one, or a reused key with another body. */
    public record Submitted(Job job, Outcome outcome) {
    }

    public enum Outcome {
        CREATED, REPEATED, KEY_CONFLICT
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
            store.insert(id, submission.label(), Instant.now(), submission.items(), submission.idempotencyKey(),
                    submission.requestSha256());
        } catch (DuplicateKeyException raced) {
            // Two requests with one key at once: the one stored first wins, the other is its repeat.
            return earlier(submission).orElseThrow(() -> raced);
        }
        // The 202 promises the job survives anything, a power cut included.
        store.sync();
        log.info("Job {} accepted with {} items", id, submission.items().size());
        pipeline.jobsChanged();
        // Nothing has run yet: no need to count what was just stored.
        int total = submission.items().size();
        Job.Progress none = new Job.Progress(new ItemCounts(total, total, 0, 0, 0, 0), 0, null);
        progress.remember(id, none);
        Job created = store.findJobRow(id).orElseThrow().with(none);
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

    /** Empty when the job does not exist; false inside when it was already terminal. */
    public Optional<Boolean> cancel(UUID id) {
        if (store.findJobRow(id).isEmpty()) {
            return Optional.empty();
        }
        java.util.OptionalInt cancelled = store.cancel(id, Instant.now());
        if (cancelled.isPresent()) {
            store.sync();
            progress.forget(id);
            pipeline.cancelled(id, cancelled.getAsInt());
            log.info("Job {} cancelled", id);
            ends.ended(id);
        }
        return Optional.of(cancelled.isPresent());
    }

    /** Empty when the job does not exist; false inside when it is not terminal. */
    public Optional<Boolean> retry(UUID id) {
        if (store.findJobRow(id).isEmpty()) {
            return Optional.empty();
        }
        boolean retried = store.retry(id);
        if (retried) {
            store.sync();
            progress.forget(id);
            // A job with nothing to retry is done again at once.
            Optional<JobStore.Ended> endedAgain = store.finishIfDone(id, Instant.now());
            endedAgain.ifPresent(ended -> progress.remember(id, ended.progress()));
            pipeline.retried(id);
            log.info("Job {} retried", id);
            if (endedAgain.isPresent()) {
                ends.ended(id);
            }
        }
        return Optional.of(retried);
    }
}
