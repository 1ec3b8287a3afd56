package io.fetchline.pipeline;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

import io.fetchline.config.FetchlineProperties;
import io.fetchline.fetch.OriginClient;
import io.fetchline.fetch.OriginConnections;
import io.fetchline.fetch.RetryPolicy;
import io.fetchline.job.Claims;
import io.fetchline.job.Claims.Claimed;
import io.fetchline.job.Item;
import io.fetchline.job.JobChanges;
import io.fetchline.job.JobEnds;
import io.fetchline.job.JobEvents;
import io.fetchline.job.JobState;
import io.fetchline.job.JobStore;
import io.fetchline.metrics.FetchlineMetrics;
import io.fetchline.storage.Storage;

/**
 * Starts and stops the download pipeline's parts, and passes them what they learn of jobs ({@link JobEvents}).
 * Shutdown is a protocol: stop claiming, let in-flight items finish within the grace period, then stop them;
 * writers store every chunk already read; every claim still held goes back to the queue, and what is unfinished
 * resumes on the next start.
 */
@Component
public class Pipeline implements SmartLifecycle, JobEvents {

    private static final Logger log = LoggerFactory.getLogger(Pipeline.class);

    private final FetchlineProperties.Pipeline config;
    private final FetchlineProperties.Fetch fetchConfig;
    private final Duration lease;
    private final JobStore store;
    private final Claims claims;
    private final JobEnds ends;
    private final JobChanges changes;
    private final Storage storage;
    private final FetchlineMetrics metrics;
    private final OriginConnections origins;
    private final Duration grace;
    private final boolean fsync;

    private final BlockingQueue<Claimed> fetchQueue;
    private final WriteQueues writeQueues;
    private final ChunkPool pool;
    private final JobSettings jobSettings;
    /** All downloads together ({@code fetchline.fetch.max-bytes-per-second}); null when unlimited. */
    private final TokenBucket bandwidth;

    /**
     * Replaced by start and stop, which are synchronized; the worker threads read them only while they run, after
     * start has set them.
     */
    private volatile boolean started;
    private volatile boolean writersMayStop;
    private volatile Transfers transfers = new Transfers();
    private volatile Dispatcher dispatcher;
    private Node node;
    private volatile ProgressRecorder recorder;
    private ThreadPoolExecutor fetchers;
    /** Threads that fetch the segments of a file beside its fetcher; null when files are not segmented. */
    private ThreadPoolExecutor segmentHelpers;
    private ThreadPoolExecutor writers;
    private ScheduledThreadPoolExecutor timer;
    private Thread dispatcherThread;
    private Thread recorderThread;
    private OriginClient client;

    public Pipeline(FetchlineProperties properties, JobStore store, Claims claims, JobEnds ends, JobChanges changes,
            Storage storage,
            FetchlineMetrics metrics, OriginConnections origins,
            @Value("${spring.lifecycle.timeout-per-shutdown-phase:30s}") Duration shutdownPhase) {
        this.config = properties.pipeline();
        this.fetchConfig = properties.fetch();
        this.lease = properties.cluster().lease();
        this.store = store;
        this.claims = claims;
        this.ends = ends;
        this.changes = changes;
        this.storage = storage;
        this.metrics = metrics;
        this.origins = origins;
        this.fsync = properties.storage().fsync();
        // Leave time within the phase for aborting stragglers and the last progress write.
        this.grace = shutdownPhase.minus(Duration.ofSeconds(5)).isNegative() ? Duration.ZERO
                : shutdownPhase.minus(Duration.ofSeconds(5));
        this.fetchQueue = new ArrayBlockingQueue<>(config.fetchQueueCapacity());
        this.writeQueues = new WriteQueues(config.writers(), config.writeQueueCapacity());
        int chunkSize = (int) Math.min(config.chunkSize().toBytes(), Integer.MAX_VALUE - 8);
        // One buffer per queue slot, plus two for each fetcher (one being filled, one held back as the transfer's
        // last) and one being written by each writer.
        int buffers = config.writeQueueCapacity() + 2 * config.fetchers() + config.writers();
        requireRoomFor(buffers, chunkSize, Runtime.getRuntime().maxMemory());
        this.pool = new ChunkPool(buffers, chunkSize);
        this.jobSettings = new JobSettings(store);
        this.bandwidth = fetchConfig.maxBytesPerSecond() == null ? null
                : new TokenBucket(fetchConfig.maxBytesPerSecond().toBytes());
    }

    /**
     * Refuses to start with a chunk pool that could take more than half the heap: it fills up under load, and
     * then fetcher threads would die of OutOfMemoryError in the middle of downloads.
     */
    static void requireRoomFor(int buffers, int chunkSize, long maxHeap) {
        long poolBytes = (long) buffers * chunkSize;
        if (poolBytes > maxHeap / 2) {
            throw new IllegalStateException(String.format(java.util.Locale.ROOT,
                    "The chunk pool may need %d MB: (fetchline.pipeline.write-queue-capacity + 2 x fetchers"
                            + " + writers) = %d chunks of fetchline.pipeline.chunk-size %d KB, more than half of"
                            + " the %d MB heap. Lower those settings or raise the heap (-Xmx).",
                    poolBytes >> 20, buffers, chunkSize >> 10, maxHeap >> 20));
        }
    }

    @Override
    public synchronized void start() {
        // As many helpers as fetchers: a fetcher's file gets its segments as long as few large files run at once.
        int helperCount = fetchConfig.segments() > 1 ? config.fetchers() : 0;
        client = new OriginClient(fetchConfig, config.fetchers() + helperCount, origins);
        RetryPolicy retryPolicy = new RetryPolicy(fetchConfig.maxAttempts(), fetchConfig.retryBackoff(),
                fetchConfig.retryBackoffMax());
        Long maxFileSize = fetchConfig.maxFileSize() == null ? null : fetchConfig.maxFileSize().toBytes();
        Finisher finisher = new Finisher(this, storage, retryPolicy, metrics, fsync);

        node = Node.start(lease);
        transfers = new Transfers();
        recorder = new ProgressRecorder(claims, changes, ends, transfers, node, config.progressInterval(), job -> {
            Dispatcher current = dispatcher;
            if (current != null) {
                current.itemsReleased(job);
            }
        });
        started = true;
        writersMayStop = false;
        timer = new ScheduledThreadPoolExecutor(1, named("pipeline-timer"));
        timer.setRemoveOnCancelPolicy(true);
        // Retries still waiting at shutdown go back to the queue with every other claim, not run.
        timer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        dispatcher = new Dispatcher(store, claims, changes, node, recorder, transfers, this::isRunning, fetchQueue,
                timer, fetchConfig.perHostConnections(), config.fetchers());
        fetchers = fixedPool("fetcher", config.fetchers());
        segmentHelpers = helperCount > 0 ? fixedPool("segment", helperCount) : null;
        writers = fixedPool("writer", config.writers());
        metrics.bindPipeline(fetchQueue, config.fetchQueueCapacity(), writeQueues, config.writeQueueCapacity(),
                fetchers, config.fetchers(), writers, config.writers());
        for (int i = 0; i < config.writers(); i++) {
            writers.execute(new Writer(this, writeQueues.of(i), finisher, metrics, storage));
        }
        BodyReader reader = new BodyReader(pool, writeQueues, client, metrics, maxFileSize, bandwidth);
        SegmentedFetch segmented = new SegmentedFetch(this, client, storage, reader, segmentHelpers, helperCount,
                fetchConfig.segments(), fetchConfig.segmentMinSize().toBytes());
        for (int i = 0; i < config.fetchers(); i++) {
            fetchers.execute(new Fetcher(this, client, storage, metrics, maxFileSize, reader, segmented));
        }
        Thread warmUp = new Thread(Transfer::warmUpDigest, "digest-warm-up");
        warmUp.setDaemon(true);
        warmUp.start();
        recorderThread = named("recorder").newThread(recorder);
        recorderThread.start();
        dispatcherThread = named("dispatcher").newThread(dispatcher);
        dispatcherThread.start();
        log.info("Pipeline started as node {}: {} fetchers, {} writers, storage {}", node.id(), config.fetchers(),
                config.writers(), storage.root());
    }

    @Override
    public synchronized void stop() {
        if (!started) {
            return;
        }
        started = false;
        // Never interrupt a thread that may be inside H2: an interrupted file channel closes the database.
        dispatcher.wake();
        join(dispatcherThread, Duration.ofSeconds(10));
        fetchQueue.clear();
        fetchers.shutdown();
        if (!await(fetchers, grace)) {
            log.info("Stopping {} unfinished items; they resume on the next start", transfers.size());
            transfers.stopAll(Transfer.Stop.RELEASE);
            // Aborted responses end their fetchers at once; interrupting is for one stuck elsewhere.
            if (!await(fetchers, Duration.ofSeconds(2))) {
                fetchers.shutdownNow();
                if (segmentHelpers != null) {
                    segmentHelpers.shutdownNow();
                }
                await(fetchers, Duration.ofSeconds(3));
            }
        }
        // A fetcher waits for the helpers of its file, so none of them runs any more.
        if (segmentHelpers != null) {
            segmentHelpers.shutdown();
            await(segmentHelpers, Duration.ofSeconds(1));
        }
        writersMayStop = true;
        writers.shutdown();
        if (!await(writers, Duration.ofSeconds(10))) {
            writers.shutdownNow();
        }
        recorder.stop();
        join(recorderThread, Duration.ofSeconds(10));
        // Twice: completions waiting for the first write record their items for the second. The timer runs on
        // meanwhile, so that a completion may still schedule its retry (which the release below then undoes).
        recorder.flush(true, false);
        recorder.flush(true, false);
        timer.shutdown();
        await(timer, Duration.ofSeconds(10));
        releaseLeftovers();
        try {
            client.close();
        } catch (java.io.IOException ignored) {
            // Connections die with the process.
        }
        log.info("Pipeline stopped");
    }

    @Override
    public boolean isRunning() {
        return started;
    }

    boolean writersMayStop() {
        return writersMayStop;
    }

    @Override
    public void queued(UUID job) {
        Dispatcher current = dispatcher;
        if (current != null && started) {
            current.jobQueued(job);
        } else {
            transfers.queued(job);
        }
    }

    @Override
    public void paused(UUID job) {
        transfers.stop(job, Transfer.Stop.RELEASE);
        Dispatcher current = dispatcher;
        if (current != null) {
            current.jobStopped(job, JobState.PAUSED);
        }
    }

    @Override
    public void cancelled(UUID job, int items) {
        metrics.cancelled(items);
        transfers.stop(job, Transfer.Stop.CANCEL);
        ProgressRecorder recording = recorder;
        if (recording != null) {
            recording.cancelled(job);
        }
        Dispatcher current = dispatcher;
        if (current != null) {
            current.jobStopped(job, JobState.CANCELLED);
        }
        // Items that are not running own .part files too: waiting for a retry, or resumed after a restart.
        storage.discardParts(job);
    }

    @Override
    public void changed(UUID job) {
        jobSettings.changed(job);
        Dispatcher current = dispatcher;
        if (current != null) {
            current.jobsChanged();
        }
    }

    Transfers transfers() {
        return transfers;
    }

    JobSettings jobSettings() {
        return jobSettings;
    }

    /** Runs {@code completion} once the store knows the transfer's file name: right after the next write. */
    void afterNameRecorded(Transfer transfer, Runnable completion) {
        recorder.afterNameRecorded(transfer, completion);
    }

    /** The attempt is over; {@code item} is what to record of it, or null when there is nothing to record. */
    void ended(Transfer transfer, Item item) {
        transfers.end(transfer);
        if (item != null) {
            recorder.record(new Claimed(item, transfer.claim), transfer.item);
        } else {
            recorder.mayHaveEnded(transfer.item.jobId());
        }
    }

    /** Items waiting for a retry or in the fetch queue, or whose fetcher did not stop in time, go back too. */
    private void releaseLeftovers() {
        try {
            int released = claims.releaseAll(node.id());
            changes.releasedAll();
            if (released > 0) {
                log.info("Left {} more unfinished items queued for the next start", released);
            }
        } catch (RuntimeException ex) {
            log.warn("Cannot queue unfinished items again now; the next start does: {}", ex.getMessage());
        }
    }

    BlockingQueue<Claimed> fetchQueue() {
        return fetchQueue;
    }

    WriteQueues writeQueues() {
        return writeQueues;
    }

    ChunkPool pool() {
        return pool;
    }

    Dispatcher dispatcher() {
        return dispatcher;
    }

    private static ThreadPoolExecutor fixedPool(String role, int threads) {
        // Each worker is one long-running loop; the bounded queue turns a submission bug into a rejection.
        return new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(threads),
                named(role));
    }

    private static ThreadFactory named(String role) {
        AtomicInteger next = new AtomicInteger(1);
        return task -> {
            Thread thread = new Thread(task, role + "-" + next.getAndIncrement());
            thread.setDaemon(false);
            return thread;
        };
    }

    private static void join(Thread thread, Duration timeout) {
        try {
            thread.join(timeout.toMillis());
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    private static boolean await(ExecutorService executor, Duration timeout) {
        try {
            return executor.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

}
