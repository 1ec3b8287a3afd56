package io.fetchline.job;

public record ItemCounts(int total, int queued, int active, int succeeded, int failed, int cancelled) {

    public int unfinished() {
        return queued + active;
    }
}
