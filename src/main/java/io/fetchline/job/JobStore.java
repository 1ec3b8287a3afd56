package io.fetchline.job;

import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import javax.sql.DataSource;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.support.JdbcUtils;
import org.springframework.jdbc.support.MetaDataAccessException;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.annotation.Transactional;

/**
 * The only place that speaks SQL. Plain SQL that also runs on PostgreSQL, so a shared store stays a change of
 * this class.
 */
@Repository
public class JobStore {

    private static final String ITEMS_OF_JOB = "SELECT idx, url, requested_name, expected_sha256, state, file, bytes,"
            + " size, sha256, http_status, attempts, error_code, error_message, validator, started_at, finished_at"
            + " FROM items WHERE job_seq = (SELECT seq FROM jobs WHERE id = :jobId)";
    private static final int INSERT_BATCH = 1000;
    /** Naming both key columns lets H2 read the primary key in order and stop at the limit, instead of sorting. */
    private static final String IN_INDEX_ORDER = " ORDER BY job_seq, idx";

    private final DataSource dataSource;
    private final JdbcClient jdbc;
    private final JdbcTemplate plain;
    /** A job's seq never changes, and the per-item writes would otherwise look it up once a row. */
    private final Map<UUID, Long> seqs = new ConcurrentHashMap<>();
    private volatile Boolean h2;

    public JobStore(DataSource dataSource) {
        this.dataSource = dataSource;
        this.jdbc = JdbcClient.create(dataSource);
        this.plain = new JdbcTemplate(dataSource);
    }

    public record StoredRequest(UUID jobId, String requestSha256) {
    }

    @Transactional
    public void insert(UUID id, String label, Instant createdAt, List<NewItem> items, String idempotencyKey,
            String requestSha256) {
        jdbc.sql("""
                INSERT INTO jobs (id, label, state, created_at, item_count, idempotency_key, request_sha256)
                VALUES (:id, :label, 'QUEUED', :createdAt, :count, :key, :hash)""")
                .param("id", id)
                .param("label", label)
                .param("createdAt", createdAt.toEpochMilli())
                .param("count", items.size())
                .param("key", idempotencyKey)
                .param("hash", requestSha256)
                .update();
        long seq = seqOf(id);
        // Positional rows sent a thousand at a time: the heap holds one slice of parameters, not a map for each of
        // 100,000 rows, so a big submission does not push the service's memory up.
        int[] index = {0};
        plain.batchUpdate("""
                INSERT INTO items (job_seq, idx, url, host, requested_name, expected_sha256, state)
                VALUES (?, ?, ?, ?, ?, ?, 'QUEUED')""", items, INSERT_BATCH, (row, item) -> {
            row.setLong(1, seq);
            row.setInt(2, index[0]++);
            row.setString(3, item.url());
            row.setString(4, item.host());
            row.setString(5, item.fileName());
            row.setString(6, item.sha256());
        });
    }

    /** Per-host limits count connections to host and port, as the connection pool does. */
    public static String hostKey(java.net.URI url) {
        String host = url.getHost() == null ? "" : url.getHost().toLowerCase(java.util.Locale.ROOT);
        int port = url.getPort() != -1 ? url.getPort() : "https".equalsIgnoreCase(url.getScheme()) ? 443 : 80;
        return host + ":" + port;
    }

    public Optional<StoredRequest> findByIdempotencyKey(String key) {
        return jdbc.sql("SELECT id, request_sha256 FROM jobs WHERE idempotency_key = :key")
                .param("key", key)
                .query((rs, n) -> new StoredRequest(rs.getObject("id", UUID.class), rs.getString("request_sha256")))
                .optional();
    }

    /** The job's own row: its item counts are all zero but the total, and its bytes unknown. */
    public Optional<Job> findJobRow(UUID id) {
        return jdbc.sql("SELECT id, label, state, created_at, started_at, finished_at, item_count FROM jobs WHERE id = :id")
                .param("id", id)
                .query(this::jobRow)
                .optional();
    }

    /** Rows of jobs, newest first, as {@link #findJobRow}. */
    public List<Job> listJobRows(JobState state, int offset, int limit) {
        return jdbc.sql("""
                SELECT id, label, state, created_at, started_at, finished_at, item_count FROM jobs
                WHERE (CAST(:state AS VARCHAR(16)) IS NULL OR state = :state)
                ORDER BY seq DESC LIMIT :limit OFFSET :offset""")
                .param("state", state == null ? null : state.name())
                .param("limit", limit)
                .param("offset", offset)
                .query(this::jobRow)
                .list();
    }

    public int countJobs(JobState state) {
        return jdbc.sql("SELECT COUNT(*) FROM jobs WHERE (CAST(:state AS VARCHAR(16)) IS NULL OR state = :state)")
                .param("state", state == null ? null : state.name())
                .query(Integer.class)
                .single();
    }

    public int countUnfinishedJobs() {
        return jdbc.sql("SELECT COUNT(*) FROM jobs WHERE state IN ('QUEUED', 'RUNNING')").query(Integer.class).single();
    }

    /** Jobs with work left, oldest first: the dispatcher's round-robin order. */
    public List<UUID> unfinishedJobIds() {
        return jdbc.sql("SELECT id FROM jobs WHERE state IN ('QUEUED', 'RUNNING') ORDER BY seq")
                .query(UUID.class)
                .list();
    }

    public List<Item> findItems(UUID jobId, ItemState state, int offset, int limit) {
        return jdbc.sql(ITEMS_OF_JOB + " AND (CAST(:state AS VARCHAR(16)) IS NULL OR state = :state)" + IN_INDEX_ORDER
                + " LIMIT :limit OFFSET :offset")
                .param("jobId", jobId)
                .param("state", state == null ? null : state.name())
                .param("limit", limit)
                .param("offset", offset)
                .query((rs, n) -> itemRow(jobId, rs))
                .list();
    }

    public int countItems(UUID jobId, ItemState state) {
        return jdbc.sql("SELECT COUNT(*) FROM items WHERE job_seq = (SELECT seq FROM jobs WHERE id = :jobId)"
                + " AND (CAST(:state AS VARCHAR(16)) IS NULL OR state = :state)")
                .param("jobId", jobId)
                .param("state", state == null ? null : state.name())
                .query(Integer.class)
                .single();
    }

    public Optional<Item> findItem(UUID jobId, int index) {
        return jdbc.sql(ITEMS_OF_JOB + " AND idx = :idx")
                .param("jobId", jobId)
                .param("idx", index)
                .query((rs, n) -> itemRow(jobId, rs))
                .optional();
    }

    /**
     * Queued items of one job after {@code afterIndex}, in index order, for the dispatcher, leaving out those of
     * the {@code skipped} hosts: H2 passes over their rows without making items of them.
     */
    public List<Item> queuedItems(UUID jobId, int afterIndex, int limit, Collection<String> skipped) {
        String notSkipped = skipped.isEmpty() ? "" : " AND host NOT IN (:skipped)";
        return jdbc.sql(ITEMS_OF_JOB + " AND state = 'QUEUED' AND idx > :after" + notSkipped + IN_INDEX_ORDER
                + " LIMIT :limit")
                .param("jobId", jobId)
                .param("after", afterIndex)
                .param("skipped", skipped)
                .param("limit", limit)
                .query((rs, n) -> itemRow(jobId, rs))
                .list();
    }

    /** Queued items of one host in one job with an index in ({@code afterIndex}, {@code upToIndex}], in order. */
    public List<Item> queuedItemsOfHost(UUID jobId, String host, int afterIndex, int upToIndex, int limit) {
        return jdbc.sql(ITEMS_OF_JOB + " AND state = 'QUEUED' AND host = :host AND idx > :after AND idx <= :upTo"
                + IN_INDEX_ORDER + " LIMIT :limit")
                .param("jobId", jobId)
                .param("host", host)
                .param("after", afterIndex)
                .param("upTo", upToIndex)
                .param("limit", limit)
                .query((rs, n) -> itemRow(jobId, rs))
                .list();
    }

    /**
     * Writes the latest known state of items in one batch. Items already terminal in the store are left alone,
     * so a late progress report never undoes a cancel.
     */
    @Transactional
    public void recordItems(Collection<Item> items) {
        if (items.isEmpty()) {
            return;
        }
        // The pipeline's hottest statement: positional parameters, no per-row maps, the job's seq looked up once.
        plain.batchUpdate("""
                UPDATE items SET state = ?, file = ?, bytes = ?, size = ?, sha256 = ?, http_status = ?, attempts = ?,
                    error_code = ?, error_message = ?, validator = ?, started_at = ?, finished_at = ?
                WHERE job_seq = ? AND idx = ? AND state IN ('QUEUED', 'ACTIVE')""", items, items.size(),
                (row, item) -> {
                    row.setString(1, item.state().name());
                    row.setString(2, item.file());
                    row.setLong(3, item.bytes());
                    row.setObject(4, item.size(), Types.BIGINT);
                    row.setString(5, item.sha256());
                    row.setObject(6, item.httpStatus(), Types.INTEGER);
                    row.setInt(7, item.attempts());
                    row.setString(8, item.error() == null ? null : item.error().code().name());
                    row.setString(9, item.error() == null ? null : truncate(item.error().message(), 2000));
                    row.setString(10, item.validator());
                    row.setObject(11, millis(item.startedAt()), Types.BIGINT);
                    row.setObject(12, millis(item.finishedAt()), Types.BIGINT);
                    row.setLong(13, seqOf(item.jobId()));
                    row.setInt(14, item.index());
                });
    }

    private long seqOf(UUID jobId) {
        Long seq = seqs.get(jobId);
        if (seq == null) {
            // An unknown job matches no item row.
            seq = jdbc.sql("SELECT seq FROM jobs WHERE id = :id").param("id", jobId).query(Long.class).optional()
                    .orElse(-1L);
            if (seq >= 0) {
                seqs.put(jobId, seq);
            }
        }
        return seq;
    }

    public void markRunning(UUID jobId, Instant startedAt) {
        jdbc.sql("UPDATE jobs SET state = 'RUNNING', started_at = :at WHERE id = :id AND state = 'QUEUED'")
                .param("id", jobId)
                .param("at", startedAt.toEpochMilli())
                .update();
    }

    /** A job's terminal state, with the count that decided it. */
    public record Ended(JobState state, Job.Progress progress) {
    }

    /** Gives a job its terminal state once none of its items is left to do. */
    @Transactional
    public Optional<Ended> finishIfDone(UUID jobId, Instant finishedAt) {
        Job.Progress progress = progress(jobId, 0);
        ItemCounts counts = progress.counts();
        if (counts.unfinished() > 0) {
            return Optional.empty();
        }
        JobState state = counts.failed() > 0 ? JobState.FAILED
                : counts.cancelled() > 0 ? JobState.CANCELLED : JobState.SUCCEEDED;
        int updated = jdbc.sql("""
                UPDATE jobs SET state = :state, finished_at = :at,
                    started_at = COALESCE(started_at, :at)
                WHERE id = :id AND state IN ('QUEUED', 'RUNNING')""")
                .param("id", jobId)
                .param("state", state.name())
                .param("at", finishedAt.toEpochMilli())
                .update();
        return updated == 1 ? Optional.of(new Ended(state, progress)) : Optional.empty();
    }

    /** Cancels queued and active items and returns how many; empty when the job was already terminal. */
    @Transactional
    public java.util.OptionalInt cancel(UUID jobId, Instant at) {
        int updated = jdbc.sql("""
                UPDATE jobs SET state = 'CANCELLED', finished_at = :at
                WHERE id = :id AND state IN ('QUEUED', 'RUNNING')""")
                .param("id", jobId)
                .param("at", at.toEpochMilli())
                .update();
        if (updated == 0) {
            return java.util.OptionalInt.empty();
        }
        return java.util.OptionalInt.of(jdbc.sql("""
                UPDATE items SET state = 'CANCELLED', finished_at = :at
                WHERE job_seq = (SELECT seq FROM jobs WHERE id = :jobId) AND state IN ('QUEUED', 'ACTIVE')""")
                .param("jobId", jobId)
                .param("at", at.toEpochMilli())
                .update());
    }

    /** Puts failed and cancelled items of a terminal job back in the queue; false when the job is not terminal. */
    @Transactional
    public boolean retry(UUID jobId) {
        int updated = jdbc.sql("""
                UPDATE jobs SET state = 'QUEUED', finished_at = NULL
                WHERE id = :id AND state IN ('SUCCEEDED', 'FAILED', 'CANCELLED')""")
                .param("id", jobId)
                .update();
        if (updated == 0) {
            return false;
        }
        jdbc.sql("""
                UPDATE items SET state = 'QUEUED', attempts = 0, error_code = NULL, error_message = NULL,
                    http_status = NULL, bytes = 0, sha256 = NULL, file = NULL, validator = NULL,
                    started_at = NULL, finished_at = NULL
                WHERE job_seq = (SELECT seq FROM jobs WHERE id = :jobId) AND state IN ('FAILED', 'CANCELLED')""")
                .param("jobId", jobId)
                .update();
        return true;
    }

    /** After a crash nothing is in flight: active items go back to the queue, keeping their file and bytes. */
    public int requeueActive() {
        return jdbc.sql("UPDATE items SET state = 'QUEUED' WHERE state = 'ACTIVE'").update();
    }

    /** Unfinished items of the job that own a file name, so may have bytes or a finished file on disk. */
    public List<Item> unfinishedItemsWithFiles(UUID jobId) {
        return jdbc.sql(ITEMS_OF_JOB + " AND state IN ('QUEUED', 'ACTIVE') AND file IS NOT NULL" + IN_INDEX_ORDER)
                .param("jobId", jobId)
                .query((rs, n) -> itemRow(jobId, rs))
                .list();
    }

    /** The file names that unfinished items of the job own; any other {@code .part} file there is a leftover. */
    public Set<String> unfinishedFiles(UUID jobId) {
        return new HashSet<>(jdbc.sql("""
                SELECT file FROM items WHERE job_seq = (SELECT seq FROM jobs WHERE id = :jobId)
                    AND state IN ('QUEUED', 'ACTIVE') AND file IS NOT NULL""")
                .param("jobId", jobId)
                .query(String.class)
                .list());
    }

    /**
     * Forces committed transactions to the disk. An H2 file database writes each commit to its file at once
     * ({@code WRITE_DELAY=0}), which survives a killed process, but does not force it there; this makes a promise
     * such as the submit's 202 survive a power cut too. Other databases force on commit by themselves.
     */
    public void sync() {
        if (isH2()) {
            jdbc.sql("CHECKPOINT SYNC").update();
        }
    }

    private boolean isH2() {
        Boolean known = h2;
        if (known == null) {
            try {
                known = "H2".equalsIgnoreCase(
                        JdbcUtils.extractDatabaseMetaData(dataSource, DatabaseMetaData::getDatabaseProductName));
            } catch (MetaDataAccessException ex) {
                throw new IllegalStateException("cannot tell which database the job store is", ex);
            }
            h2 = known;
        }
        return known;
    }

    /** Counts every item of the job by state and sums their bytes: the most expensive query of the store. */
    public Job.Progress progress(UUID jobId, int total) {
        int[] byState = new int[ItemState.values().length];
        long[] sums = new long[3];
        jdbc.sql("""
                SELECT state, COUNT(*) AS n, COALESCE(SUM(bytes), 0) AS b, COALESCE(SUM(size), 0) AS s,
                    COUNT(size) AS known
                FROM items WHERE job_seq = (SELECT seq FROM jobs WHERE id = :jobId) GROUP BY state""")
                .param("jobId", jobId)
                .query(rs -> {
                    ItemState state = ItemState.valueOf(rs.getString("state"));
                    byState[state.ordinal()] = rs.getInt("n");
                    sums[0] += rs.getLong("b");
                    // Failed and cancelled items will never have a size: they do not keep the total unknown.
                    if (state != ItemState.FAILED && state != ItemState.CANCELLED) {
                        sums[1] += rs.getLong("s");
                        sums[2] += rs.getInt("n") - rs.getLong("known");
                    }
                });
        int counted = 0;
        for (int n : byState) {
            counted += n;
        }
        ItemCounts counts = new ItemCounts(Math.max(total, counted), byState[0], byState[1], byState[2], byState[3],
                byState[4]);
        Long expected = sums[2] == 0 ? sums[1] : null;
        return new Job.Progress(counts, sums[0], expected);
    }

    private Job jobRow(ResultSet rs, int row) throws SQLException {
        return new Job(
                rs.getObject("id", UUID.class),
                rs.getString("label"),
                JobState.valueOf(rs.getString("state")),
                instant(rs, "created_at"),
                instant(rs, "started_at"),
                instant(rs, "finished_at"),
                new ItemCounts(rs.getInt("item_count"), 0, 0, 0, 0, 0),
                0,
                null);
    }

    private Item itemRow(UUID jobId, ResultSet rs) throws SQLException {
        String code = rs.getString("error_code");
        return new Item(
                jobId,
                rs.getInt("idx"),
                rs.getString("url"),
                rs.getString("requested_name"),
                rs.getString("expected_sha256"),
                ItemState.valueOf(rs.getString("state")),
                rs.getString("file"),
                rs.getLong("bytes"),
                (Long) rs.getObject("size", Long.class),
                rs.getString("sha256"),
                (Integer) rs.getObject("http_status", Integer.class),
                rs.getInt("attempts"),
                code == null ? null : new ItemError(ErrorCode.valueOf(code), rs.getString("error_message")),
                rs.getString("validator"),
                instant(rs, "started_at"),
                instant(rs, "finished_at"));
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        long millis = rs.getLong(column);
        return rs.wasNull() ? null : Instant.ofEpochMilli(millis);
    }

    private static Long millis(Instant instant) {
        return instant == null ? null : instant.toEpochMilli();
    }

    private static String truncate(String text, int max) {
        return text == null || text.length() <= max ? text : text.substring(0, max);
    }
}
