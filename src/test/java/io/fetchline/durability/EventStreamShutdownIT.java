package io.fetchline.durability;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.fetchline.FetchlineClient;
import io.fetchline.ServerSentEvents;

/** SIGTERM with event streams open: the service closes them and stops at once, instead of waiting for them. */
class EventStreamShutdownIT extends ServiceProcessTest {

    /** Far longer than a stop with nothing in flight takes: a stream that held the stop would show. */
    private static final Duration SHUTDOWN_PHASE = Duration.ofSeconds(40);

    @Test
    void openStreamsEndWhenTheServiceStopsAndDoNotHoldItUp() {
        origin.file("/streams/a.bin", 1000, 1);
        service = new ServiceProcess("event-streams", home,
                "--spring.lifecycle.timeout-per-shutdown-phase=" + SHUTDOWN_PHASE.toSeconds() + "s");
        FetchlineClient api = service.start();
        String id = api.submitJson("{\"paused\": true, \"urls\": [\"" + origin.url("/streams/a.bin") + "\"]}");
        try (ServerSentEvents job = ServerSentEvents.open(api.port(), "/api/v1/jobs/" + id + "/events", null);
                ServerSentEvents all = ServerSentEvents.open(api.port(), "/api/v1/events", null)) {
            job.await(Duration.ofSeconds(10), event -> true);
            assertThat(all.status()).isEqualTo(200);

            Duration stopping = service.terminate(SHUTDOWN_PHASE.plusSeconds(20));

            assertThat(stopping).isLessThan(SHUTDOWN_PHASE.dividedBy(2));
            job.awaitEnd(Duration.ofSeconds(5));
            all.awaitEnd(Duration.ofSeconds(5));
        }
    }
}
