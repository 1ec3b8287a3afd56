package io.fetchline.pipeline;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

import io.fetchline.job.Item;
import io.fetchline.job.ItemState;
import io.fetchline.job.JobChanges;
import io.fetchline.job.JobEnds;
import io.fetchline.job.JobStore;
import io.fetchline.storage.Storage;

/**
 * Brings the store and the job folders back in line before anything is served or dispatched, whatever the
 * previous run was stopped by: it starts before the web server, so health reports UP, and status reads answer,
 * only once the store matches the files. An item owns its file name from the moment it reserved it (the name is stored before any byte
 * is written), so every file on disk is either an unfinished item's {@code .part}, which resumes; an unfinished
 * item's finished file, renamed into place just before a crash could record it, which is recognised rather than
 * fetched again under a new name; or a leftover, which goes.
 */
@Component
public class Recovery implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(Recovery.class);
    /** Before the web server's start (and the pipeline's), whose phases are far above this one. */
    private static final int PHASE = SmartLifecycle.DEFAULT_PHASE / 2;

    private final JobStore store;
    private final JobEnds ends;
    private final JobChanges changes;
    private final Storage storage;
    private volatile boolean done;

    public Recovery(JobStore store, JobEnds ends, JobChanges changes, Storage storage) {
        this.store = store;
        this.ends = ends;
        this.changes = changes;
        this.storage = storage;
    }

    @Override
    public void start() {
        reconcile();
        done = true;
    }

    @Override
    public void stop() {
        // Nothing runs between starts.
    }

    @Override
    public boolean isRunning() {
        return done;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }

    /**
     * Reconciles the store with the files. Only while no pipeline runs on this store: the items it holds would be
     * taken from it.
     */
    public void reconcile() {
        int requeued = store.requeueActive();
        if (requeued > 0) {
            log.info("Resuming {} items left active by the previous run", requeued);
        }
        List<UUID> unfinished = store.unfinishedJobIds();
        for (UUID job : unfinished) {
            for (Item item : store.unfinishedItemsWithFiles(job)) {
                reconcile(item);
            }
        }
        removeLeftoverParts();
        unfinished.forEach(changes::recovered);
        // A job whose last item was recorded just before the crash, but not the job's own end.
        unfinished.forEach(ends::settle);
    }

    private void reconcile(Item item) {
        UUID job = item.jobId();
        String file = item.file();
        try {
            if (Files.exists(storage.part(job, file))) {
                // Beyond the bytes recorded as stored without a gap there may be a hole, if the crash came
                // between two parallel writes; it resumes from the recorded length instead. A segmented file
                // resumes each segment from its recorded extent, whatever lies beyond it.
                if (item.segments().isEmpty()) {
                    storage.trimPart(job, file, item.bytes());
                }
                return;
            }
            if (Files.exists(storage.file(job, file))) {
                recognise(item);
            } else if (storage.reclaim(job, file)) {
                // Its bytes are gone (deleted by hand, or never reached the disk): start over under its name.
                store.recordItems(List.of(restarted(item)));
            }
        } catch (IOException | UncheckedIOException ex) {
            log.warn("Cannot check {} of job {}; it is fetched again: {}", file, job, ex.getMessage());
        }
    }

    /** The finished file is in place but the item was not yet recorded as succeeded. */
    private void recognise(Item item) throws IOException {
        UUID job = item.jobId();
        long size = Files.size(storage.file(job, item.file()));
        String sha256 = storage.sha256(job, item.file());
        String mismatch = item.size() != null && item.size() != size ? "its size is " + size + ", expected "
                + item.size()
                : item.expectedSha256() != null && !item.expectedSha256().equalsIgnoreCase(sha256)
                        ? "its SHA-256 is " + sha256 + ", expected " + item.expectedSha256().toLowerCase(Locale.ROOT)
                        : null;
        if (mismatch != null) {
            // Only a complete, verified download is ever renamed into place: this one was changed since.
            log.warn("Fetching {} of job {} again: {}", item.file(), job, mismatch);
            Files.delete(storage.file(job, item.file()));
            storage.reclaim(job, item.file());
            store.recordItems(List.of(restarted(item)));
            return;
        }
        Instant now = Instant.now();
        store.recordItems(List.of(new Item(job, item.index(), item.url(), item.requestedName(),
                item.expectedSha256(), ItemState.SUCCEEDED, item.file(), size, size, sha256, item.httpStatus(),
                Math.max(1, item.attempts()), null, item.validator(),
                item.startedAt() != null ? item.startedAt() : now, now)));
        log.info("Recognised {} of job {}, finished before the previous run could record it", item.file(), job);
    }

    private static Item restarted(Item item) {
        return new Item(item.jobId(), item.index(), item.url(), item.requestedName(), item.expectedSha256(),
                ItemState.QUEUED, item.file(), 0, null, null, null, item.attempts(), null, null, item.startedAt(),
                null);
    }

    /** {@code .part} files that no unfinished item owns: cancelled or failed before their clean-up, or never named. */
    private void removeLeftoverParts() {
        int removed = 0;
        try {
            for (UUID job : storage.jobFolders()) {
                Set<Path> owned = new HashSet<>();
                for (String file : store.unfinishedFiles(job)) {
                    owned.add(storage.part(job, file));
                }
                for (Path part : storage.parts(job)) {
                    if (!owned.contains(part)) {
                        Files.deleteIfExists(part);
                        removed++;
                    }
                }
            }
        } catch (IOException | UncheckedIOException ex) {
            log.warn("Cannot look for leftover .part files under {}: {}", storage.root(), ex.getMessage());
        }
        if (removed > 0) {
            log.info("Removed {} .part files that no unfinished item owns", removed);
        }
    }
}
