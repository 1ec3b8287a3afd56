package io.fetchline.pipeline;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import org.apache.hc.client5.http.DnsResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

import io.fetchline.config.FetchlineProperties;
import io.fetchline.fetch.OriginClient;
import io.fetchline.fetch.RetryPolicy;
import io.fetchline.job.Item;
import io.fetchline.job.ItemState;
import io.fetchline.job.JobEnds;
import io.fetchline.job.JobProgress;
import io.fetchline.job.JobStore;
import io.fetchline.metrics.FetchlineMetrics;
import io.fetchline.storage.Storage;

/**
 * Owns the queues and threads of the download pipeline and their lifecycle. Shutdown is a protocol: stop
 * claiming, let in-flight items finish within the grace period, then abort them; writers store every chunk
 * already read; what is unfinished stays in the store and resumes on the next start.
 */
@Component
public class Pipeline implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(Pipeline.class);
    private static final Duration FLUSH_INTERVAL = Duration.ofMillis(200);
    /**
     * How long the recorder lets work gather once some is waiting. Each write is a commit that costs the store
     * about a millisecond whatever its size, so writing every ended item at once would make the store the
     * bottleneck; a few milliseconds more before a rename cost nothing.
     */
    private static final long GATHER_NANOS = Duration.ofMillis(10).toNanos();

    private final FetchlineProperties.Pipeline config;
    private final FetchlineProperties.Fetch fetchConfig;
    private final JobStore store;
    private final Storage storage;
    private final FetchlineMetrics metrics;
    private final DnsResolver resolver;
    private final Duration grace;
    private final boolean fsync;

    private final BlockingQueue<Item> fetchQueue;
    private final WriteQueues writeQueues;
    private final ChunkPool pool;
    private final ProgressRecorder recorder;
    private final Map<Transfer, Boolean> running = new ConcurrentHashMap<>();
    private final Set<UUID> cancelled = ConcurrentHashMap.newKeySet();

    private volatile boolean started;
    private volatile boolean writersMayStop;
    private volatile boolean recorderMayStop;
    private ThreadPoolExecutor fetchers;
    private ThreadPoolExecutor writers;
    private ScheduledThreadPoolExecutor timer;
    private Thread dispatcherThread;
    private Thread recorderThread;
    private Dispatcher dispatcher;
    private OriginClient client;

    public Pipeline(FetchlineProperties properties, JobStore store, JobProgress progress, JobEnds ends, Storage storage,
            FetchlineMetrics metrics, DnsResolver resolver,
            @Value("${spring.lifecycle.timeout-per-shutdown-phase:30s}") Duration shutdownPhase) {
        this.config = properties.pipeline();
        this.fetchConfig = properties.fetch();
        this.store = store;
        this.storage = storage;
        this.metrics = metrics;
        this.resolver = resolver;
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
        this.recorder = new ProgressRecorder(store, progress, ends);
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
        new Recovery(store, storage).run();
        client = new OriginClient(fetchConfig, config.fetchers(), resolver);
        RetryPolicy retryPolicy = new RetryPolicy(fetchConfig.maxAttempts(), fetchConfig.retryBackoff(),
                fetchConfig.retryBackoffMax());
        Long maxFileSize = fetchConfig.maxFileSize() == null ? null : fetchConfig.maxFileSize().toBytes();
        Finisher finisher = new Finisher(this, storage, retryPolicy, metrics, fsync);

        started = true;
        writersMayStop = false;
        recorderMayStop = false;
        timer = new ScheduledThreadPoolExecutor(1, named("pipeline-timer"));
        timer.setRemoveOnCancelPolicy(true);
        // Retries still waiting at shutdown are requeued in the store, not run.
        timer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        dispatcher = new Dispatcher(this, store, timer, fetchConfig.perHostConnections(), config.fetchers());
        fetchers = fixedPool("fetcher", config.fetchers());
        writers = fixedPool("writer", config.writers());
        metrics.bindPipeline(fetchQueue, config.fetchQueueCapacity(), writeQueues, config.writeQueueCapacity(),
                fetchers, config.fetchers(), writers, config.writers());
        for (int i = 0; i < config.writers(); i++) {
            writers.execute(new Writer(this, writeQueues.of(i), finisher, metrics, storage));
        }
        for (int i = 0; i < config.fetchers(); i++) {
            fetchers.execute(new Fetcher(this, client, storage, metrics, maxFileSize));
        }
        Thread warmUp = new Thread(Transfer::warmUpDigest, "digest-warm-up");
        warmUp.setDaemon(true);
        warmUp.start();
        recorderThread = named("recorder").newThread(this::record);
        recorderThread.start();
        dispatcherThread = named("dispatcher").newThread(dispatcher);
        dispatcherThread.start();
        log.info("Pipeline started: {} fetchers, {} writers, storage {}", config.fetchers(), config.writers(),
                storage.root());
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
            List<Transfer> stragglers = new ArrayList<>(running.keySet());
            log.info("Stopping {} unfinished items; they resume on the next start", stragglers.size());
            stragglers.forEach(Transfer::abandon);
            // Aborted responses end their fetchers at once; interrupting is for one stuck elsewhere.
            if (!await(fetchers, Duration.ofSeconds(2))) {
                fetchers.shutdownNow();
                await(fetchers, Duration.ofSeconds(3));
            }
        }
        writersMayStop = true;
        writers.shutdown();
        if (!await(writers, Duration.ofSeconds(10))) {
            writers.shutdownNow();
        }
        timer.shutdown();
        await(timer, Duration.ofSeconds(10));
        recorderMayStop = true;
        recorder.wake();
        join(recorderThread, Duration.ofSeconds(10));
        // Twice: completions waiting for the first write record their items for the second.
        flush(true);
        flush(true);
        requeueLeftovers();
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

    /** New or retried work is in the store. */
    public void jobsChanged() {
        if (dispatcher != null) {
            dispatcher.jobsChanged();
        }
    }

    public void retried(UUID jobId) {
        cancelled.remove(jobId);
        recorder.requeued(jobId);
        if (dispatcher != null) {
            dispatcher.jobRequeued(jobId);
        }
    }

    /** The job and {@code items} of its items are cancelled in the store; let go of them here. */
    public void cancelled(UUID jobId, int items) {
        cancelled.add(jobId);
        metrics.cancelled(items);
        if (dispatcher != null) {
            dispatcher.jobCancelled(jobId);
        }
        fetchQueue.removeIf(item -> item.jobId().equals(jobId) && releaseSlot(item));
        running.keySet().stream().filter(t -> t.item.jobId().equals(jobId)).forEach(Transfer::cancel);
        // Items that are not running own .part files too: waiting for a retry, or resumed after a restart.
        storage.discardParts(jobId);
    }

    private boolean releaseSlot(Item item) {
        dispatcher.released(item);
        return true;
    }

    boolean isCancelled(UUID jobId) {
        return cancelled.contains(jobId);
    }

    void started(Transfer transfer) {
        running.put(transfer, Boolean.TRUE);
    }

    /** The attempt was cancelled: the cancel recorded its item already. */
    void dropped(Transfer transfer) {
        running.remove(transfer);
    }

    /** Runs {@code completion} once the store knows the transfer's file name: right after the next write. */
    void afterNameRecorded(Transfer transfer, Runnable completion) {
        recorder.afterNameRecorded(transfer, completion);
    }

    /** The attempt is over; {@code item} is its last state, or null when it was abandoned by shutdown. */
    void ended(Transfer transfer, Item item) {
        running.remove(transfer);
        recorder.record(item != null ? item : requeued(transfer));
    }

    /** An attempt cut short by shutdown did not fail: it is queued again, not counted, and keeps its bytes. */
    private static Item requeued(Transfer transfer) {
        Item progress = transfer.progress();
        return new Item(progress.jobId(), progress.index(), progress.url(), progress.requestedName(),
                progress.expectedSha256(), ItemState.QUEUED, progress.file(), progress.bytes(), progress.size(),
                null, progress.httpStatus(), transfer.item.attempts(), null, progress.validator(),
                progress.startedAt(), null);
    }

    /** Items waiting for a retry, or whose fetcher did not stop in time, are not in flight any more either. */
    private void requeueLeftovers() {
        try {
            int requeued = store.requeueActive();
            if (requeued > 0) {
                log.info("Left {} more unfinished items queued for the next start", requeued);
            }
        } catch (RuntimeException ex) {
            log.warn("Cannot queue unfinished items again now; the next start does: {}", ex.getMessage());
        }
    }

    /** The recorder thread: writes a batch whenever one is waiting, and all running byte counts once a tick. */
    private void record() {
        long nextTick = System.nanoTime() + FLUSH_INTERVAL.toNanos();
        // Runs until the writers are done, so that files finishing during shutdown are renamed as usual.
        while (!recorderMayStop) {
            try {
                if (recorder.awaitWork(TimeUnit.NANOSECONDS.toMillis(nextTick - System.nanoTime()))
                        && !recorderMayStop) {
                    LockSupport.parkNanos(GATHER_NANOS);
                }
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                return;
            }
            boolean tick = System.nanoTime() - nextTick >= 0;
            if (tick) {
                nextTick = System.nanoTime() + FLUSH_INTERVAL.toNanos();
            }
            flush(tick);
        }
    }

    private void flush(boolean tick) {
        try {
            recorder.flush(running.keySet(), tick);
        } catch (RuntimeException ex) {
            log.error("Recording progress failed; retrying on the next tick", ex);
            pause();
        }
    }

    /** After a failed write: the store may be briefly unavailable, and retrying at once would only spin. */
    private static void pause() {
        try {
            Thread.sleep(FLUSH_INTERVAL.toMillis());
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    BlockingQueue<Item> fetchQueue() {
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
