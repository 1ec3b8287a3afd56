package io.fetchline.job;

public enum ItemState {
    QUEUED, ACTIVE, SUCCEEDED, FAILED, CANCELLED;

    public boolean isTerminal() {
        return this == SUCCEEDED || this == FAILED || this == CANCELLED;
    }
}
