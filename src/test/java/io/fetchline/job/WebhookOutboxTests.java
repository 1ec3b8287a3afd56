package io.fetchline.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;

import io.fetchline.FetchlineTest;
import io.fetchline.pipeline.Pipeline;

/**
 * A job's end and its webhook event are one commit: when the event cannot be written, the job does not end
 * either, so no crash can leave an end without its event or an event without its end. Runs with the pipeline
 * stopped, so that nothing else ends the job; its webhook points at a documentation address, which the address
 * policy refuses, so that the sender gives the event up at once.
 */
class WebhookOutboxTests extends FetchlineTest {

    @Autowired
    Pipeline pipeline;

    @Autowired
    JobStore store;

    @Autowired
    DataSource dataSource;

    private final UUID job = UUID.randomUUID();
    private JdbcTemplate sql;

    @BeforeEach
    void storeJob() {
        pipeline.stop();
        sql = new JdbcTemplate(dataSource);
        store.insert(job, new JobStore.Settings("outbox", 0, null, false, RequestHeaders.NONE, new Webhook("http://192.0.2.1/hook", null)),
                Instant.now(), List.of(NewItem.of(URI.create("http://a.test/f0"), null, null)), null, "0".repeat(64));
    }

    @AfterEach
    void startPipeline() {
        sql.execute("ALTER TABLE webhook_deliveries DROP CONSTRAINT IF EXISTS refuse_events");
        pipeline.start();
    }

    @Test
    void aCancelThatCannotWriteItsEventDoesNotHappen() {
        refuseEvents();

        assertThatThrownBy(() -> store.cancel(job, Instant.now())).isInstanceOf(DataAccessException.class);

        assertThat(store.findJobRow(job).orElseThrow().state()).isEqualTo(JobState.QUEUED);
        assertThat(store.findItem(job, 0).orElseThrow().state()).isEqualTo(ItemState.QUEUED);
        assertThat(events()).isEmpty();

        sql.execute("ALTER TABLE webhook_deliveries DROP CONSTRAINT refuse_events");
        Instant at = Instant.now();
        assertThat(store.cancel(job, at)).isPresent();
        assertThat(events()).singleElement().satisfies(event -> {
            assertThat(event.get("event_type")).isEqualTo("job.cancelled");
            assertThat((String) event.get("id")).matches("msg_[0-9a-f]{32}");
            assertThat(event.get("occurred_at")).isEqualTo(at.toEpochMilli());
        });
        assertThat(store.findJobRow(job).orElseThrow().webhook().url()).isEqualTo("http://192.0.2.1/hook");
    }

    @Test
    void anEndThatCannotWriteItsEventDoesNotHappen() {
        sql.update("UPDATE items SET state = 'SUCCEEDED' WHERE job_seq = (SELECT seq FROM jobs WHERE id = ?)", job);
        refuseEvents();

        assertThatThrownBy(() -> store.finishIfDone(job, Instant.now())).isInstanceOf(DataAccessException.class);

        assertThat(store.findJobRow(job).orElseThrow().state()).isEqualTo(JobState.QUEUED);
        assertThat(events()).isEmpty();

        sql.execute("ALTER TABLE webhook_deliveries DROP CONSTRAINT refuse_events");
        assertThat(store.finishIfDone(job, Instant.now())).isPresent();
        assertThat(events()).singleElement()
                .satisfies(event -> assertThat(event.get("event_type")).isEqualTo("job.succeeded"));
        assertThat(store.retry(job)).isTrue();
        assertThat(store.findJobRow(job).orElseThrow().webhook().state()).as("no delivery until it ends again")
                .isNull();
        assertThat(store.finishIfDone(job, Instant.now())).isPresent();
        assertThat(events()).as("a second end, a second event").hasSize(2)
                .extracting(event -> event.get("id")).doesNotHaveDuplicates();
    }

    /** From now on the store refuses every event of this job, as a full disk or a broken connection would. */
    private void refuseEvents() {
        long seq = sql.queryForObject("SELECT seq FROM jobs WHERE id = ?", Long.class, job);
        sql.execute("ALTER TABLE webhook_deliveries ADD CONSTRAINT refuse_events CHECK (job_seq <> " + seq + ")");
    }

    private List<Map<String, Object>> events() {
        return sql.queryForList("SELECT id, event_type, occurred_at FROM webhook_deliveries"
                + " WHERE job_seq = (SELECT seq FROM jobs WHERE id = ?) ORDER BY seq", job);
    }
}
