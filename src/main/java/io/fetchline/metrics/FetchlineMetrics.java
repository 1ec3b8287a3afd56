package io.fetchline.metrics;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;

import org.springframework.stereotype.Component;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ExecutorServiceMetrics;

/**
 * The meters of API.md's table, under their fixed names. Counting is in memory: nothing here touches disk. What
 * other packages know (job counts, queues, pools) reaches it through suppliers they bind, so metrics depends on
 * none of them.
 */
@Component
public class FetchlineMetrics {

    private static final Duration[] FETCH_BUCKETS = {Duration.ofMillis(100), Duration.ofMillis(250),
            Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5),
            Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofMinutes(1), Duration.ofMinutes(5),
            Duration.ofMinutes(15), Duration.ofHours(1)};

    private static final String SUCCEEDED = "succeeded";
    private static final String FAILED = "failed";
    private static final String CANCELLED = "cancelled";

    private final MeterRegistry registry;
    private boolean bound;
    private final AtomicInteger fetchers = new AtomicInteger();
    private final AtomicInteger writers = new AtomicInteger();
    private final Counter bytes;
    private final Counter writtenDirect;
    private final Counter writtenCached;
    private final Map<String, Counter> items = new HashMap<>();
    private final Map<String, Timer> fetchSeconds = new HashMap<>();
    private final Map<String, Counter> webhookDeliveries = new HashMap<>();

    public FetchlineMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.bytes = Counter.builder("fetchline.download.bytes")
                .description("Bytes received from origins")
                .baseUnit("bytes")
                .register(registry);
        this.writtenDirect = written(registry, "direct");
        this.writtenCached = written(registry, "page-cache");
        for (String outcome : new String[] {SUCCEEDED, FAILED, CANCELLED}) {
            items.put(outcome, Counter.builder("fetchline.items")
                    .description("Items that reached a final state")
                    .tag("outcome", outcome)
                    .register(registry));
            fetchSeconds.put(outcome, Timer.builder("fetchline.fetch")
                    .description("Time from an item's first attempt to its final state")
                    .tag("outcome", outcome)
                    // Few fixed buckets from a small file on a LAN to a large one on a slow link: cheap to scrape.
                    .serviceLevelObjectives(FETCH_BUCKETS)
                    .register(registry));
        }
        for (String outcome : new String[] {"delivered", "retried", FAILED}) {
            webhookDeliveries.put(outcome, Counter.builder("fetchline.webhook.deliveries")
                    .description("Webhook attempts: delivered, failed and tried again (retried), or given up (failed)")
                    .tag("outcome", outcome)
                    .register(registry));
        }
    }

    /** Job gauges, read from the store at each scrape through what the caller binds. */
    public void bindJobs(IntSupplier active, IntSupplier paused) {
        Gauge.builder("fetchline.jobs.active", active::getAsInt)
                .description("Jobs queued or running")
                .register(registry);
        Gauge.builder("fetchline.jobs.paused", paused::getAsInt)
                .description("Jobs paused")
                .register(registry);
    }

    /**
     * Not in API.md: 1 while the storage is writable, as {@code /actuator/health} sees it, else 0. Health is no
     * metric, and an alert rule can only watch metrics.
     */
    public void bindStorage(BooleanSupplier writable) {
        Gauge.builder("fetchline.storage.writable", () -> writable.getAsBoolean() ? 1 : 0)
                .description("1 while the storage takes files, else 0")
                .register(registry);
    }

    /** The number of open event streams, read at each scrape through what the caller binds. */
    public void bindEvents(IntSupplier subscribers) {
        Gauge.builder("fetchline.events.subscribers", subscribers::getAsInt)
                .description("Open event streams")
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
        items.get(CANCELLED).increment(count);
    }

    /** An item succeeded {@code elapsed} after its first attempt started. */
    public void succeeded(Duration elapsed) {
        ended(SUCCEEDED, elapsed);
    }

    public void failed(Duration elapsed) {
        ended(FAILED, elapsed);
    }

    /** A receiver answered 2xx. */
    public void webhookDelivered() {
        webhookDeliveries.get("delivered").increment();
    }

    /** An attempt failed and the delivery will be tried again. */
    public void webhookRetried() {
        webhookDeliveries.get("retried").increment();
    }

    /** A delivery was given up. */
    public void webhookFailed() {
        webhookDeliveries.get(FAILED).increment();
    }

    private void ended(String outcome, Duration elapsed) {
        items.get(outcome).increment();
        fetchSeconds.get(outcome).record(elapsed);
    }
}
