package io.fetchline.metrics;

import java.time.Duration;
import java.util.Collection;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicInteger;

import org.springframework.stereotype.Component;

import io.fetchline.job.ItemState;
import io.fetchline.job.JobStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ExecutorServiceMetrics;

/** The meters of API.md's table, under their fixed names. Counting is in memory: nothing here touches disk. */
@Component
public class FetchlineMetrics {

    private static final Duration[] FETCH_BUCKETS = {Duration.ofMillis(100), Duration.ofMillis(250),
            Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5),
            Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofMinutes(1), Duration.ofMinutes(5),
            Duration.ofMinutes(15), Duration.ofHours(1)};

    private final MeterRegistry registry;
    private boolean bound;
    private final AtomicInteger fetchers = new AtomicInteger();
    private final AtomicInteger writers = new AtomicInteger();
    private final Counter bytes;
    private final Counter writtenDirect;
    private final Counter writtenCached;
    private final Map<ItemState, Counter> items = new EnumMap<>(ItemState.class);
    private final Map<ItemState, Timer> fetchSeconds = new EnumMap<>(ItemState.class);

    public FetchlineMetrics(MeterRegistry registry, JobStore store) {
        this.registry = registry;
        this.bytes = Counter.builder("fetchline.download.bytes")
                .description("Bytes received from origins")
                .baseUnit("bytes")
                .register(registry);
        this.writtenDirect = written(registry, "direct");
        this.writtenCached = written(registry, "page-cache");
        for (ItemState state : new ItemState[] {ItemState.SUCCEEDED, ItemState.FAILED, ItemState.CANCELLED}) {
            String outcome = state.name().toLowerCase(java.util.Locale.ROOT);
            items.put(state, Counter.builder("fetchline.items")
                    .description("Items that reached a final state")
                    .tag("outcome", outcome)
                    .register(registry));
            fetchSeconds.put(state, Timer.builder("fetchline.fetch")
                    .description("Time from an item's first attempt to its final state")
                    .tag("outcome", outcome)
                    // Few fixed buckets from a small file on a LAN to a large one on a slow link: cheap to scrape.
                    .serviceLevelObjectives(FETCH_BUCKETS)
                    .register(registry));
        }
        Gauge.builder("fetchline.jobs.active", store, JobStore::countUnfinishedJobs)
                .description("Jobs queued or running")
                .register(registry);
    }

    /** Not in API.md: shows whether the storage takes O_DIRECT, and how much of the writing bypasses the cache. */
    private static Counter written(MeterRegistry registry, String io) {
        return Counter.builder("fetchline.storage.written.bytes")
                .description("Bytes written to downloaded files, by whether they went past the page cache")
                .baseUnit("bytes")
                .tag("io", io)
                .register(registry);
    }

    /** Queue and pool gauges, bound once the pipeline has built them; a restarted pipeline keeps the first. */
    public synchronized void bindPipeline(Collection<?> fetchQueue, int fetchCapacity, Collection<?> writeQueue,
            int writeCapacity, ExecutorService fetcherPool, int fetcherCount, ExecutorService writerPool,
            int writerCount) {
        if (bound) {
            return;
        }
        bound = true;
        queue("fetch", fetchQueue, fetchCapacity);
        queue("write", writeQueue, writeCapacity);
        pool("fetcher", fetchers, fetcherCount);
        pool("writer", writers, writerCount);
        ExecutorServiceMetrics.monitor(registry, fetcherPool, "fetcher");
        ExecutorServiceMetrics.monitor(registry, writerPool, "writer");
    }

    private void queue(String name, Collection<?> queue, int capacity) {
        Gauge.builder("fetchline.queue.depth", queue, Collection::size)
                .description("Entries waiting in a pipeline queue")
                .tag("queue", name)
                .register(registry);
        Gauge.builder("fetchline.queue.capacity", () -> capacity)
                .description("Configured capacity of a pipeline queue")
                .tag("queue", name)
                .register(registry);
    }

    private void pool(String name, AtomicInteger busy, int max) {
        Gauge.builder("fetchline.workers.active", busy, AtomicInteger::get)
                .description("Threads of a pool working on an item or chunk")
                .tag("pool", name)
                .register(registry);
        Gauge.builder("fetchline.workers.max", () -> max)
                .description("Threads in a pool")
                .tag("pool", name)
                .register(registry);
    }

    public AtomicInteger fetchers() {
        return fetchers;
    }

    public AtomicInteger writers() {
        return writers;
    }

    public void downloaded(long count) {
        bytes.increment(count);
    }

    public void written(boolean direct, int count) {
        (direct ? writtenDirect : writtenCached).increment(count);
    }

    public void cancelled(int count) {
        items.get(ItemState.CANCELLED).increment(count);
    }

    public void finished(ItemState state, Duration elapsed) {
        Counter counter = items.get(state);
        if (counter != null) {
            counter.increment();
            fetchSeconds.get(state).record(elapsed);
        }
    }
}
