package io.fetchline.pipeline;

import java.util.Collection;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The transfers this node runs now, and the jobs stopped under them (paused or cancelled since they were last
 * queued). A transfer that starts checks its job after registering, and a stop marks the job before looking at
 * the transfers, so a stop never misses a transfer starting at the same moment.
 */
final class Transfers {

    /**
     * Beyond this, a stopped job is forgotten: its items were claimed before the stop, and a fetcher that took one
     * from the queue registers it within moments; later claims are refused by the store itself.
     */
    private static final long REMEMBER_NANOS = java.time.Duration.ofMinutes(1).toNanos();

    private record Stopped(Transfer.Stop why, long at) {
    }

    private final Map<Transfer, Boolean> running = new ConcurrentHashMap<>();
    private final Map<UUID, Stopped> stopped = new ConcurrentHashMap<>();

    /** Registers a transfer; it is stopped at once when its job was stopped before it started. */
    void start(Transfer transfer) {
        running.put(transfer, Boolean.TRUE);
        Stopped stop = stopped.get(transfer.item.jobId());
        if (stop != null) {
            transfer.stop(stop.why());
        }
    }

    void end(Transfer transfer) {
        running.remove(transfer);
    }

    /** Stops the job's transfers, and any of its items that start before it is queued again. */
    void stop(UUID jobId, Transfer.Stop why) {
        long now = System.nanoTime();
        stopped.values().removeIf(stop -> now - stop.at() > REMEMBER_NANOS);
        stopped.merge(jobId, new Stopped(why, now),
                (old, stop) -> new Stopped(Transfer.Stop.strongest(old.why(), stop.why()), now));
        for (Transfer transfer : running.keySet()) {
            if (transfer.item.jobId().equals(jobId)) {
                transfer.stop(why);
            }
        }
    }

    /** The job was resumed or retried: its items may run again. */
    void queued(UUID jobId) {
        stopped.remove(jobId);
    }

    /** Stops every transfer, as shutdown does once its grace period is over. */
    void stopAll(Transfer.Stop why) {
        running.keySet().forEach(transfer -> transfer.stop(why));
    }

    /** Whether an attempt of the job still runs here. */
    boolean anyOf(UUID jobId) {
        for (Transfer transfer : running.keySet()) {
            if (transfer.item.jobId().equals(jobId)) {
                return true;
            }
        }
        return false;
    }

    Collection<Transfer> all() {
        return running.keySet();
    }

    int size() {
        return running.size();
    }
}
