package io.fetchline.webhook;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.apache.hc.client5.http.DnsResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

import io.fetchline.api.JobResources;
import io.fetchline.config.FetchlineProperties;
import io.fetchline.fetch.Urls;
import io.fetchline.job.Deliveries;
import io.fetchline.job.Deliveries.Delivery;
import io.fetchline.job.Job;
import io.fetchline.job.JobEnds;
import io.fetchline.job.JobService;
import io.fetchline.metrics.FetchlineMetrics;

/**
 * Sends the announcements of the outbox ({@link Deliveries}): a few sender threads each take the delivery due
 * first, attempt it, and record how it went; then they wait until the next one is due or a job ends. Nothing lives
 * only here: what is due, and when, is in the store, so a restart resumes every pending delivery.
 */
@Component
public class WebhookSender implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(WebhookSender.class);
    /** How often an idle sender looks at the store anyway: deliveries another node wrote, a store that was down. */
    private static final Duration IDLE = Duration.ofSeconds(30);

    private final Deliveries deliveries;
    private final JobService jobs;
    private final JobResources resources;
    private final FetchlineMetrics metrics;
    private final DnsResolver resolver;
    private final FetchlineProperties.Webhooks config;
    private final RetrySchedule schedule;
    /** Longer than any attempt can take, so a claim lapses only when its sender is gone. */
    private final Duration claim;
    private final Clock clock = Clock.systemUTC();

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    /** Counts wake-ups, so that one between a sender's look at the store and its wait is not lost; guarded by lock. */
    private long wakeUps;

    /** Set by start and stop, which are synchronized; the sender threads read it. */
    private volatile boolean running;
    private volatile WebhookClient client;
    /** Guarded by this: start and stop are synchronized. */
    private final List<Thread> senders = new ArrayList<>();

    public WebhookSender(Deliveries deliveries, JobService jobs, JobResources resources, JobEnds ends,
            FetchlineMetrics metrics, DnsResolver resolver, FetchlineProperties properties) {
        this.deliveries = deliveries;
        this.jobs = jobs;
        this.resources = resources;
        this.metrics = metrics;
        this.resolver = resolver;
        this.config = properties.webhooks();
        this.schedule = new RetrySchedule(config.retryDelays());
        // Connecting and waiting for the answer may each take the timeout.
        this.claim = config.timeout().multipliedBy(3).plus(Duration.ofSeconds(30));
        ends.onEveryEnd(job -> wake());
    }

    @Override
    public synchronized void start() {
        int released = deliveries.releaseAll(clock.instant());
        if (released > 0) {
            log.info("Resuming {} webhook deliveries left under way by the previous run", released);
        }
        client = new WebhookClient(resolver, config.timeout(), config.senders());
        running = true;
        for (int i = 1; i <= config.senders(); i++) {
            Thread sender = new Thread(this::run, "webhook-sender-" + i);
            senders.add(sender);
            sender.start();
        }
    }

    @Override
    public synchronized void stop() {
        if (!running) {
            return;
        }
        running = false;
        // Never interrupt a sender: it may be inside H2, whose file channel an interrupt closes.
        int aborted = client.abortAll();
        if (aborted > 0) {
            log.info("Broke off {} webhook attempts under way; they are made again at the next start", aborted);
        }
        wake();
        for (Thread sender : senders) {
            try {
                sender.join(config.timeout().plusSeconds(5).toMillis());
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        senders.clear();
        client.close();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** A job ended, so a delivery may be due: every idle sender looks at the store again. */
    void wake() {
        lock.lock();
        try {
            wakeUps++;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void run() {
        while (running && !Thread.currentThread().isInterrupted()) {
            long seen = wakeUps();
            try {
                Optional<Delivery> taken = deliveries.take(clock.instant(), claim);
                if (taken.isPresent()) {
                    attempt(taken.get());
                    continue;
                }
                OptionalLong next = deliveries.nextDue();
                long wait = next.isPresent() ? next.getAsLong() - clock.millis() : IDLE.toMillis();
                await(seen, Math.min(wait, IDLE.toMillis()));
            } catch (RuntimeException ex) {
                // The store failed, or a bug: a delivery taken meanwhile is due again once its claim lapses.
                log.error("Webhook sender failed; trying again in a second", ex);
                await(seen, 1000);
            }
        }
    }

    private void attempt(Delivery delivery) {
        MDC.put("job", delivery.jobId().toString());
        try {
            String body = delivery.body() != null ? delivery.body() : deliveries.keepBody(delivery, render(delivery));
            // The attempt's own time, as the specification says: receivers refuse old timestamps as replays.
            long timestamp = clock.instant().getEpochSecond();
            Map<String, String> headers = new LinkedHashMap<>();
            headers.put("webhook-id", delivery.id());
            headers.put("webhook-timestamp", Long.toString(timestamp));
            byte[] key = delivery.webhook().key();
            if (key != null) {
                headers.put("webhook-signature", Signature.of(key, delivery.id(), timestamp, body));
            }
            WebhookClient.Answer answer = client.post(delivery.webhook().url(), headers, body);
            record(delivery, answer);
        } finally {
            MDC.remove("job");
        }
    }

    /** The job as it is now, which is as it ended: the first attempt follows the end at once. */
    private String render(Delivery delivery) {
        Job job = jobs.job(delivery.jobId()).orElseThrow(
                () -> new IllegalStateException("no job " + delivery.jobId() + " for webhook " + delivery.id()));
        return resources.event(delivery.type(), delivery.occurredAt(), job);
    }

    private void record(Delivery delivery, WebhookClient.Answer answer) {
        String url = Urls.masked(delivery.webhook().url());
        int attempt = delivery.attempts() + 1;
        if (!running && answer.outcome() != WebhookClient.Outcome.DELIVERED) {
            // Aborted by the stop, not failed by the receiver: no attempt counted, due again at the next start.
            deliveries.release(delivery, clock.instant());
            return;
        }
        switch (answer.outcome()) {
            case DELIVERED -> {
                if (deliveries.delivered(delivery)) {
                    metrics.webhookDelivered();
                    log.info("Webhook {} ({}) delivered to {} at attempt {}", delivery.id(), delivery.type(), url,
                            attempt);
                }
            }
            case REFUSED -> {
                if (deliveries.failed(delivery)) {
                    metrics.webhookFailed();
                    log.warn("Webhook {} ({}) to {} failed, not tried again: {}", delivery.id(), delivery.type(), url,
                            Urls.masked(answer.detail()));
                }
            }
            case FAILED -> {
                if (attempt >= config.maxAttempts()) {
                    if (deliveries.failed(delivery)) {
                        metrics.webhookFailed();
                        log.warn("Webhook {} ({}) to {} failed at attempt {}, the last (fetchline.webhooks"
                                + ".max-attempts): {}", delivery.id(), delivery.type(), url, attempt,
                                Urls.masked(answer.detail()));
                    }
                } else {
                    Duration wait = schedule.after(attempt);
                    if (deliveries.retry(delivery, clock.instant().plus(wait))) {
                        metrics.webhookRetried();
                        log.warn("Webhook {} ({}) to {} failed at attempt {}, trying again in {} ms: {}",
                                delivery.id(), delivery.type(), url, attempt, wait.toMillis(),
                                Urls.masked(answer.detail()));
                    }
                }
            }
        }
    }

    private long wakeUps() {
        lock.lock();
        try {
            return wakeUps;
        } finally {
            lock.unlock();
        }
    }

    /** Waits up to {@code millis} unless woken since {@code seen}, or stopping. */
    private void await(long seen, long millis) {
        lock.lock();
        try {
            long nanos = TimeUnit.MILLISECONDS.toNanos(Math.max(millis, 0));
            while (running && wakeUps == seen && nanos > 0) {
                nanos = changed.awaitNanos(nanos);
            }
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
    }
}
