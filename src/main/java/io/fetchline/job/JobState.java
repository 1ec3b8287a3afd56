package io.fetchline.job;

/** A job's state; which changes between them are allowed is {@link StateChanges}'s to say. */
public enum JobState {
    QUEUED, RUNNING, PAUSED, SUCCEEDED, FAILED, CANCELLED;

    public boolean isTerminal() {
        return this == SUCCEEDED || this == FAILED || this == CANCELLED;
    }
}
