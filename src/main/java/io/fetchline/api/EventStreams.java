package io.fetchline.api;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

import io.fetchline.config.FetchlineProperties;
import io.fetchline.job.Item;
import io.fetchline.job.ItemState;
import io.fetchline.job.Job;
import io.fetchline.job.JobChanges;
import io.fetchline.job.JobService;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import tools.jackson.databind.json.JsonMapper;

/**
 * The open event streams and the one thread that writes them all. It listens to the stream of committed changes,
 * hands each change to the streams that follow its job, and pumps every stream that has something due, reading a
 * job at most once a round however many streams show it. No request thread waits while a stream is open.
 * Stopping closes every stream first, so that open streams never hold up a graceful shutdown.
 */
@Component
public class EventStreams implements SmartLifecycle, JobChanges.Listener {

    private static final Logger log = LoggerFactory.getLogger(EventStreams.class);

    private final JobService jobs;
    private final JsonMapper json;
    private final Duration keepAlive;
    private final Set<EventStream> open = ConcurrentHashMap.newKeySet();
    private final Map<UUID, Set<EventStream>> byJob = new ConcurrentHashMap<>();
    private final Semaphore wake = new Semaphore(0);
    private volatile boolean stopping;
    private Thread thread;

    public EventStreams(JobService jobs, JobChanges changes, JsonMapper json, FetchlineProperties properties) {
        this.jobs = jobs;
        this.json = json;
        this.keepAlive = properties.events().keepAlive();
        changes.subscribe(this);
    }

    /** Open streams, for the {@code fetchline_events_subscribers} gauge. */
    public int subscribers() {
        return open.size();
    }

    /**
     * Answers the request with a stream of the job's events ({@code job} null: of all jobs); 404 for an unknown
     * job. Registered before the snapshot is read, so that no change after it is missed.
     */
    void open(UUID job, HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (stopping) {
            throw new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "Service Unavailable",
                    "the service is shutting down");
        }
        Round round = new Round();
        EventStream stream = new EventStream(round, job, keepAlive, System.nanoTime());
        register(stream);
        try {
            if (job != null) {
                EventStream.Shown snapshot = round.job(job);
                if (snapshot == null) {
                    throw ApiException.notFound("job " + job);
                }
                stream.snapshot(snapshot);
            }
            response.setStatus(HttpServletResponse.SC_OK);
            response.setContentType("text/event-stream");
            response.setHeader("Cache-Control", "no-cache");
            // Tells nginx not to buffer the stream.
            response.setHeader("X-Accel-Buffering", "no");
            AsyncContext async = request.startAsync();
            stream.start(async);
        } catch (RuntimeException | IOException ex) {
            stream.close();
            throw ex;
        }
    }

    @Override
    public void changed(List<JobChanges.Change> changes) {
        boolean taken = false;
        for (JobChanges.Change change : changes) {
            for (EventStream stream : byJob.getOrDefault(change.job(), Set.of())) {
                stream.take(change);
                taken = true;
            }
            for (EventStream stream : byJob.getOrDefault(ALL_JOBS, Set.of())) {
                // The stream of all jobs carries job events only.
                stream.take(new JobChanges.Change(change.job(), change.state(), List.of(), null));
                taken = true;
            }
        }
        if (taken) {
            wake.release();
        }
    }

    /** Stands for "every job" in {@link #byJob}: no job has the nil UUID. */
    private static final UUID ALL_JOBS = new UUID(0, 0);

    private void register(EventStream stream) {
        open.add(stream);
        byJob.computeIfAbsent(stream.job() == null ? ALL_JOBS : stream.job(), key -> ConcurrentHashMap.newKeySet())
                .add(stream);
    }

    private void forget(EventStream stream) {
        open.remove(stream);
        byJob.computeIfPresent(stream.job() == null ? ALL_JOBS : stream.job(), (key, streams) -> {
            streams.remove(stream);
            return streams.isEmpty() ? null : streams;
        });
    }

    private void run() {
        long nextWake = System.nanoTime() + keepAlive.toNanos();
        while (!stopping) {
            try {
                wake.tryAcquire(Math.max(0, nextWake - System.nanoTime()), TimeUnit.NANOSECONDS);
                wake.drainPermits();
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                return;
            }
            long now = System.nanoTime();
            nextWake = now + keepAlive.toNanos();
            Round round = new Round();
            for (EventStream stream : open) {
                try {
                    if (stream.isDue(now)) {
                        long due = stream.pump(now, round);
                        nextWake = due - nextWake < 0 ? due : nextWake;
                    }
                } catch (RuntimeException ex) {
                    // The store failing a read, say: this stream ends, and its client opens a new one.
                    log.warn("Closing an event stream that failed: {}", ex.toString());
                    stream.close();
                }
            }
        }
    }

    @Override
    public synchronized void start() {
        stopping = false;
        thread = new Thread(this::run, "events");
        thread.start();
    }

    @Override
    public synchronized void stop() {
        stopping = true;
        wake.release();
        for (EventStream stream : new ArrayList<>(open)) {
            stream.close();
        }
        if (thread != null) {
            try {
                thread.join(Duration.ofSeconds(5).toMillis());
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
            thread = null;
        }
    }

    @Override
    public boolean isRunning() {
        return thread != null;
    }

    /**
     * What streams read during one round of the events thread: a job is read once a round, however many streams
     * show it, and always as it is now.
     */
    private final class Round implements EventStream.Source {

        private final Map<UUID, Optional<EventStream.Shown>> jobsRead = new HashMap<>();

        @Override
        public EventStream.Shown job(UUID job) {
            return jobsRead.computeIfAbsent(job, id -> jobs.job(id).map(this::shown)).orElse(null);
        }

        private EventStream.Shown shown(Job job) {
            return new EventStream.Shown(json.writeValueAsBytes(Views.of(job)), job.state().isTerminal());
        }

        @Override
        public byte[] item(Item item) {
            return json.writeValueAsBytes(Views.of(item));
        }

        @Override
        public List<Item> items(UUID job, ItemState state, int offset, int limit) {
            return jobs.items(job, state, offset, limit);
        }

        @Override
        public void closed(EventStream stream) {
            forget(stream);
        }

        @Override
        public void poke() {
            wake.release();
        }
    }
}
