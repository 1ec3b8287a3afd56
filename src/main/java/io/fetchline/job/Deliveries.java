package io.fetchline.job;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;

import javax.sql.DataSource;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The webhook outbox: one row per end of a job that has a webhook, written in the transaction that ends the job
 * (so a crash can neither lose an end nor invent one), then taken by a sender, attempt after attempt, until it is
 * delivered or given up. Taking a row is a conditional update that moves its due time to the end of a claim and
 * sets a random token; every record of the taker must match that token, and a taker that vanished lets its claim
 * lapse, after which the row is due again.
 */
@Repository
public class Deliveries {

    /** One announcement of a job's end, as a sender took it. */
    public record Delivery(long seq, String id, UUID jobId, String type, Instant occurredAt, String body,
            int attempts, Webhook webhook, long token) {

        public Delivery withBody(String body) {
            return new Delivery(seq, id, jobId, type, occurredAt, body, attempts, webhook, token);
        }
    }

    private static final String BY_CLAIM = " WHERE seq = :seq AND claim_token = :token";

    private final JdbcClient jdbc;

    public Deliveries(DataSource dataSource) {
        this.jdbc = JdbcClient.create(dataSource);
    }

    /**
     * Writes the announcement of the job's end, within the caller's transaction, when the job has a webhook; it is
     * due at once. A fresh id each time: a retried job that ends again makes a new event.
     */
    void announce(UUID jobId, JobState ended, Instant at) {
        String id = "msg_" + UUID.randomUUID().toString().replace("-", "");
        int added = jdbc.sql("""
                INSERT INTO webhook_deliveries (id, job_seq, event_type, occurred_at, state, attempts, due_at)
                SELECT :id, seq, :type, :at, 'PENDING', 0, :at FROM jobs WHERE id = :job AND webhook_url IS NOT NULL""")
                .param("id", id)
                .param("type", "job." + ended.name().toLowerCase(Locale.ROOT))
                .param("at", at.toEpochMilli())
                .param("job", jobId)
                .update();
        if (added == 1) {
            jdbc.sql("UPDATE jobs SET webhook_delivery = (SELECT seq FROM webhook_deliveries WHERE id = :id)"
                    + " WHERE id = :job")
                    .param("id", id)
                    .param("job", jobId)
                    .update();
        }
    }

    /**
     * Takes the delivery due first, if any is due at {@code now}, for at most {@code claim}: then it is due again
     * unless its taker recorded an outcome.
     */
    public Optional<Delivery> take(Instant now, Duration claim) {
        // A few candidates, since other senders may take the first ones meanwhile.
        List<Long> due = jdbc.sql("SELECT seq FROM webhook_deliveries WHERE state = 'PENDING' AND due_at <= :now"
                + " ORDER BY due_at LIMIT 8")
                .param("now", now.toEpochMilli())
                .query(Long.class)
                .list();
        for (long seq : due) {
            long token = Claims.token();
            int taken = jdbc.sql("UPDATE webhook_deliveries SET claim_token = :token, due_at = :until"
                    + " WHERE seq = :seq AND state = 'PENDING' AND due_at <= :now")
                    .param("token", token)
                    .param("until", now.plus(claim).toEpochMilli())
                    .param("seq", seq)
                    .param("now", now.toEpochMilli())
                    .update();
            if (taken == 1) {
                return Optional.of(read(seq, token));
            }
        }
        return Optional.empty();
    }

    /** When the next pending delivery is due (or its claim lapses); empty when none is pending. */
    public OptionalLong nextDue() {
        Long next = jdbc.sql("SELECT MIN(due_at) FROM webhook_deliveries WHERE state = 'PENDING'")
                .query(Long.class)
                .optional()
                .orElse(null);
        return next == null ? OptionalLong.empty() : OptionalLong.of(next);
    }

    /**
     * Keeps the body the first attempt rendered, so that every later attempt sends the same bytes; returns the
     * body to send, which is an earlier one when another taker stored it first.
     */
    public String keepBody(Delivery delivery, String body) {
        jdbc.sql("UPDATE webhook_deliveries SET body = :body" + BY_CLAIM + " AND body IS NULL")
                .param("body", body)
                .param("seq", delivery.seq())
                .param("token", delivery.token())
                .update();
        return jdbc.sql("SELECT body FROM webhook_deliveries WHERE seq = :seq")
                .param("seq", delivery.seq())
                .query(String.class)
                .optional()
                .orElse(body);
    }

    /** A receiver answered 2xx; false when the claim had lapsed and someone else took the delivery. */
    public boolean delivered(Delivery delivery) {
        return end(delivery, DeliveryState.DELIVERED);
    }

    /** Given up: the last attempt failed, or the address is refused. */
    public boolean failed(Delivery delivery) {
        return end(delivery, DeliveryState.FAILED);
    }

    /** The attempt failed; the next one is due at {@code due}. */
    public boolean retry(Delivery delivery, Instant due) {
        return jdbc.sql("UPDATE webhook_deliveries SET attempts = attempts + 1, due_at = :due, claim_token = NULL"
                + BY_CLAIM)
                .param("due", due.toEpochMilli())
                .param("seq", delivery.seq())
                .param("token", delivery.token())
                .update() == 1;
    }

    /** Gives the delivery back without counting an attempt, due at {@code due}: the sender is stopping. */
    public boolean release(Delivery delivery, Instant due) {
        return jdbc.sql("UPDATE webhook_deliveries SET due_at = :due, claim_token = NULL" + BY_CLAIM)
                .param("due", due.toEpochMilli())
                .param("seq", delivery.seq())
                .param("token", delivery.token())
                .update() == 1;
    }

    /**
     * After a crash of the only node nothing is being sent: deliveries it had taken are due at {@code now}
     * instead of when their claims lapse. On a shared store this is the claims' lapse to decide instead.
     */
    public int releaseAll(Instant now) {
        return jdbc.sql("UPDATE webhook_deliveries SET due_at = :now, claim_token = NULL"
                + " WHERE state = 'PENDING' AND claim_token IS NOT NULL")
                .param("now", now.toEpochMilli())
                .update();
    }

    private boolean end(Delivery delivery, DeliveryState state) {
        return jdbc.sql("UPDATE webhook_deliveries SET state = :state, attempts = attempts + 1, claim_token = NULL"
                + BY_CLAIM)
                .param("state", state.name())
                .param("seq", delivery.seq())
                .param("token", delivery.token())
                .update() == 1;
    }

    private Delivery read(long seq, long token) {
        return jdbc.sql("""
                SELECT d.seq, d.id, j.id AS job_id, d.event_type, d.occurred_at, d.body, d.attempts, j.webhook_url,
                    j.webhook_secret
                FROM webhook_deliveries d JOIN jobs j ON j.seq = d.job_seq WHERE d.seq = :seq""")
                .param("seq", seq)
                .query((rs, n) -> new Delivery(rs.getLong("seq"), rs.getString("id"),
                        rs.getObject("job_id", UUID.class), rs.getString("event_type"),
                        Instant.ofEpochMilli(rs.getLong("occurred_at")), rs.getString("body"), rs.getInt("attempts"),
                        new Webhook(rs.getString("webhook_url"), rs.getString("webhook_secret")), token))
                .single();
    }
}
