package io.fetchline.pipeline;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import io.fetchline.job.JobStore;
import io.fetchline.job.RequestHeaders;

/**
 * What the transfers of a job read by: the request headers they send and the job's bandwidth limit, one token
 * bucket shared by all of them. Read from the store once per job, not once per item, and kept while the job's
 * transfers run here and for a while after, so that a job of many small files costs no store read per file. A
 * change of the limit updates the bucket in place, which the running transfers read through at once.
 */
final class JobSettings {

    /** How long the settings of a job none of whose transfers runs here stay: a job's next item usually follows. */
    private static final long IDLE_NANOS = Duration.ofMinutes(1).toNanos();
    private static final long SWEEP_NANOS = Duration.ofSeconds(10).toNanos();

    /** The settings of one job, shared by its transfers on this node. */
    static final class Entry {

        final RequestHeaders headers;
        /** Null while the job has no limit. Replaced under the map's lock for the job; read by fetchers as is. */
        private volatile TokenBucket bucket;
        /** Transfers using the entry, and since when none does; guarded by the map's lock for the job. */
        private int users;
        private long idleSince;

        private Entry(RequestHeaders headers, Long maxBytesPerSecond) {
            this.headers = headers;
            limit(maxBytesPerSecond);
        }

        /** The job's bandwidth, or null when it has no limit: then a read asks no bucket at all. */
        TokenBucket bucket() {
            return bucket;
        }

        private void limit(Long maxBytesPerSecond) {
            TokenBucket current = bucket;
            if (maxBytesPerSecond == null) {
                if (current != null) {
                    bucket = null;
                    // Lets through at once whoever waits in it now.
                    current.rate(0);
                }
            } else if (current == null) {
                bucket = new TokenBucket(maxBytesPerSecond);
            } else {
                current.rate(maxBytesPerSecond);
            }
        }
    }

    private final JobStore store;
    private final Map<UUID, Entry> entries = new ConcurrentHashMap<>();
    private volatile long lastSweep = System.nanoTime();

    JobSettings(JobStore store) {
        this.store = store;
    }

    /** The job's settings for a transfer that starts; {@link #release} them when it ends. */
    Entry acquire(UUID job) {
        return entries.compute(job, (id, entry) -> {
            Entry used = entry != null ? entry : load(id);
            used.users++;
            return used;
        });
    }

    void release(UUID job) {
        long now = System.nanoTime();
        entries.computeIfPresent(job, (id, entry) -> {
            if (--entry.users == 0) {
                entry.idleSince = now;
            }
            return entry;
        });
        if (now - lastSweep > SWEEP_NANOS) {
            lastSweep = now;
            for (UUID id : entries.keySet()) {
                entries.computeIfPresent(id, (key, entry) -> entry.users == 0 && now - entry.idleSince > IDLE_NANOS
                        ? null : entry);
            }
        }
    }

    /** The job's limit may have changed: its transfers here read by the stored one from now on. */
    void changed(UUID job) {
        entries.computeIfPresent(job, (id, entry) -> {
            entry.limit(store.fetchSettings(id).map(JobStore.FetchSettings::maxBytesPerSecond).orElse(null));
            return entry;
        });
    }

    private Entry load(UUID job) {
        JobStore.FetchSettings settings = store.fetchSettings(job)
                .orElse(new JobStore.FetchSettings(RequestHeaders.NONE, null));
        return new Entry(settings.headers(), settings.maxBytesPerSecond());
    }
}
