package io.fetchline.job;

import java.util.UUID;

/**
 * What the work on jobs learns of a job's change, right after it is committed. The pipeline implements it; the
 * store stays the source of truth, and the pipeline checks it again at its commit points.
 */
public interface JobEvents {

    /** The job has items to claim: it was submitted, resumed or retried. */
    void queued(UUID job);

    /** The job was paused: its items stop and go back to the queue, keeping the bytes they stored. */
    void paused(UUID job);

    /** The job was cancelled, and {@code items} of its items with it: they stop, and their partial files go. */
    void cancelled(UUID job, int items);

    /** The job's priority or bandwidth limit changed. */
    void changed(UUID job);
}
