package io.fetchline.job;

/** An item's state; which changes between them are allowed is {@link StateChanges}'s to say. */
public enum ItemState {
    QUEUED, ACTIVE, SUCCEEDED, FAILED, CANCELLED;

    public boolean isTerminal() {
        return this == SUCCEEDED || this == FAILED || this == CANCELLED;
    }
}
