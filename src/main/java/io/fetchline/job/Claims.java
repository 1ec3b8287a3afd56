package io.fetchline.job;

import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.function.Predicate;

import javax.sql.DataSource;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.annotation.Transactional;

/**
 * Claims on items, in the store: a claimed item names its holder (a node), the end of its lease by the
 * database's clock, and a random fencing token; it stays {@code QUEUED} until the holder's transfer starts. Claiming is one conditional update per item, and so
 * is every record its holder makes: a record whose token no longer matches (the job was cancelled, the claim
 * reaped) changes nothing, and its holder learns that it lost the item.
 */
@Repository
public class Claims {

    /** An item and the token of the claim on it. */
    public record Claimed(Item item, long token) {
    }

    private static final Duration CLOCK_CHECK = Duration.ofMinutes(1);
    private static final Comparator<Claimed> IN_ROW_ORDER = Comparator
            .comparing((Claimed claimed) -> claimed.item().jobId())
            .thenComparingInt(claimed -> claimed.item().index());

    private final JobStore store;
    private final JdbcClient jdbc;
    private final JdbcTemplate plain;
    private final Clock clock = Clock.systemUTC();
    /** The database's clock minus this node's, read again once a minute; guarded by {@code this}. */
    private long offsetMillis;
    private long offsetReadAt;
    private boolean offsetKnown;

    public Claims(DataSource dataSource, JobStore store) {
        this.store = store;
        this.jdbc = JdbcClient.create(dataSource);
        this.plain = new JdbcTemplate(dataSource);
    }

    /** As {@link #claim(List, String, Duration, Predicate, Consumer)}, for a caller that does not publish starts. */
    public List<Claimed> claim(List<Item> items, String owner, Duration lease, Predicate<UUID> mayBeQueued) {
        return claim(items, owner, lease, mayBeQueued, job -> {
        });
    }

    /**
     * Claims those of {@code items} that are still queued in a job that is queued or running, and marks those of
     * their jobs running that may still be queued ({@code mayBeQueued}: the caller knows which it saw running),
     * telling {@code started} of each job it marked, before the commit. Returns what it claimed, in the order given.
     */
    @Transactional
    public List<Claimed> claim(List<Item> items, String owner, Duration lease, Predicate<UUID> mayBeQueued,
            Consumer<UUID> started) {
        if (items.isEmpty()) {
            return List.of();
        }
        long until = databaseMillis() + lease.toMillis();
        // Rows are locked in one order everywhere, a job before its items and items by job and index, so that two
        // transactions never wait for each other.
        long now = clock.millis();
        for (UUID job : items.stream().map(Item::jobId).filter(mayBeQueued).distinct().sorted().toList()) {
            int marked = jdbc.sql("UPDATE jobs SET state = :to, started_at = COALESCE(started_at, :at)"
                    + " WHERE id = :id AND state IN " + StateChanges.Job.START.fromList())
                    .param("to", StateChanges.Job.START.to().name())
                    .param("at", now)
                    .param("id", job)
                    .update();
            if (marked == 1) {
                started.accept(job);
            }
        }
        List<Claimed> offered = new ArrayList<>(items.size());
        for (Item item : items) {
            offered.add(new Claimed(item, token()));
        }
        offered.sort(IN_ROW_ORDER);
        int[][] updated = plain.batchUpdate("UPDATE items SET claim_owner = ?, claim_token = ?, lease_until = ?"
                + " WHERE job_seq = ? AND idx = ? AND state IN " + StateChanges.Item.CLAIM.fromList()
                + " AND claim_token IS NULL AND EXISTS (SELECT 1 FROM jobs WHERE jobs.seq = items.job_seq AND jobs.state IN "
                + StateChanges.CLAIMABLE_JOBS + ")", offered, offered.size(), (row, claimed) -> {
                    row.setString(1, owner);
                    row.setLong(2, claimed.token());
                    row.setLong(3, until);
                    row.setLong(4, store.seqOf(claimed.item().jobId()));
                    row.setInt(5, claimed.item().index());
                });
        List<Claimed> claimed = new ArrayList<>(items.size());
        int[] counts = updated.length == 0 ? new int[0] : updated[0];
        for (int i = 0; i < offered.size(); i++) {
            if (counts[i] != 0) {
                claimed.add(offered.get(i));
            }
        }
        return claimed;
    }

    /**
     * The holder's records, each checked against its token: progress of an active item, its outcome, or its
     * release back to the queue. Returns those refused because the claim is gone.
     */
    @Transactional
    public List<Claimed> record(Collection<Claimed> records) {
        if (records.isEmpty()) {
            return List.of();
        }
        List<Claimed> ordered = new ArrayList<>(records);
        ordered.sort(IN_ROW_ORDER);
        for (Claimed record : ordered) {
            StateChanges.Item.byHolder(record.item().state());
        }
        int[][] updated = plain.batchUpdate(JobStore.UPDATE_ITEM + " WHERE job_seq = ? AND idx = ? AND state IN "
                + StateChanges.Item.PROGRESS.fromList() + " AND claim_token = ?", ordered, ordered.size(),
                (row, record) -> {
                    int next = JobStore.setItem(row, record.item());
                    row.setLong(next, store.seqOf(record.item().jobId()));
                    row.setInt(next + 1, record.item().index());
                    row.setLong(next + 2, record.token());
                });
        List<Claimed> refused = new ArrayList<>();
        int[] counts = updated.length == 0 ? new int[0] : updated[0];
        for (int i = 0; i < ordered.size(); i++) {
            if (counts[i] == 0) {
                refused.add(ordered.get(i));
            }
        }
        return refused;
    }

    /** Extends the leases of every item the owner holds. */
    public int renew(String owner, Duration lease) {
        return jdbc.sql("UPDATE items SET lease_until = :until WHERE claim_owner = :owner")
                .param("until", databaseMillis() + lease.toMillis())
                .param("owner", owner)
                .update();
    }

    /** Every item the owner still holds goes back to the queue with the bytes recorded for it, as on shutdown. */
    public int releaseAll(String owner) {
        return jdbc.sql("UPDATE items SET state = 'QUEUED', claim_owner = NULL, claim_token = NULL,"
                + " lease_until = NULL WHERE claim_owner = :owner AND state IN "
                + StateChanges.Item.RELEASE.fromList())
                .param("owner", owner)
                .update();
    }

    /** Now by the database's clock, which all nodes share, so that no node's clock decides a lease. */
    private synchronized long databaseMillis() {
        long local = clock.millis();
        if (!offsetKnown || local - offsetReadAt > CLOCK_CHECK.toMillis() || local < offsetReadAt) {
            OffsetDateTime database = jdbc.sql("SELECT CURRENT_TIMESTAMP").query(OffsetDateTime.class).single();
            long after = clock.millis();
            offsetMillis = database.toInstant().toEpochMilli() - (local + after) / 2;
            offsetReadAt = after;
            offsetKnown = true;
        }
        return local + offsetMillis;
    }

    /** A random fencing token, never 0; deliveries of webhooks are claimed with one too. */
    static long token() {
        long token;
        do {
            token = ThreadLocalRandom.current().nextLong();
        } while (token == 0);
        return token;
    }
}
