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
            + " size, sha256, http_status, attempts, error_code, error_message, validator, started_at, finished_at,"
            + " segments FROM items WHERE job_seq = (SELECT seq FROM jobs WHERE id = :jobId)";
    private static final int INSERT_BATCH = 1000;
    /** Naming both key columns lets H2 read the primary key in order and stop at the limit, instead of sorting. */
    private static final String IN_INDEX_ORDER = " ORDER BY job_seq, idx";

    private final DataSource dataSource;
    private final Deliveries deliveries;
    private final JdbcClient jdbc;
    private final JdbcTemplate plain;
    /** A job's seq never changes, and the per-item writes would otherwise look it up once a row. */
    private final Map<UUID, Long> seqs = new ConcurrentHashMap<>();
    private volatile Boolean h2;

    public JobStore(DataSource dataSource, Deliveries deliveries) {
        this.dataSource = dataSource;
        this.deliveries = deliveries;
        this.jdbc = JdbcClient.create(dataSource);
        this.plain = new JdbcTemplate(dataSource);
    }

    public record StoredRequest(UUID jobId, String requestSha256) {
    }

    /** What a job starts with besides its items; {@code webhook} may be null. */
    public record Settings(String label, int priority, Long maxBytesPerSecond, boolean paused,
            RequestHeaders headers, Webhook webhook) {

        public Settings(String label, int priority, Long maxBytesPerSecond, boolean paused) {
            this(label, priority, maxBytesPerSecond, paused, RequestHeaders.NONE, null);
        }
    }

    @Transactional
    public void insert(UUID id, Settings settings, Instant createdAt, List<NewItem> items, String idempotencyKey,
            String requestSha256) {
        jdbc.sql("""
                INSERT INTO jobs (id, label, state, priority, max_bytes_per_second, created_at, item_count,
                    idempotency_key, request_sha256, request_headers, webhook_url, webhook_secret)
                VALUES (:id, :label, :state, :priority, :limit, :createdAt, :count, :key, :hash, :headers,
                    :webhookUrl, :webhookSecret)""")
                .param("id", id)
                .param("label", settings.label())
                .param("state", (settings.paused() ? JobState.PAUSED : JobState.QUEUED).name())
                .param("priority", settings.priority())
                .param("limit", settings.maxBytesPerSecond())
                .param("createdAt", createdAt.toEpochMilli())
                .param("count", items.size())
                .param("key", idempotencyKey)
                .param("hash", requestSha256)
                .param("headers", settings.headers().block())
                .param("webhookUrl", settings.webhook() == null ? null : settings.webhook().url())
                .param("webhookSecret", settings.webhook() == null ? null : settings.webhook().secret())
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
        return jdbc.sql("SELECT " + JOB_COLUMNS + " FROM jobs WHERE id = :id")
                .param("id", id)
                .query(this::jobRow)
                .optional();
    }

    /** What the transfers of a job send and how fast they may read. */
    public record FetchSettings(RequestHeaders headers, Long maxBytesPerSecond) {
    }

    /** The job's request headers, values included, and its bandwidth limit; empty for an unknown job. */
    public Optional<FetchSettings> fetchSettings(UUID id) {
        return jdbc.sql("SELECT request_headers, max_bytes_per_second FROM jobs WHERE id = :id")
                .param("id", id)
                .query((rs, n) -> new FetchSettings(RequestHeaders.ofBlock(rs.getString("request_headers")),
                        (Long) rs.getObject("max_bytes_per_second", Long.class)))
                .optional();
    }

    /** Rows of jobs, newest first, as {@link #findJobRow}. */
    public List<Job> listJobRows(JobState state, int offset, int limit) {
        return jdbc.sql("""
                SELECT %s FROM jobs
                WHERE (CAST(:state AS VARCHAR(16)) IS NULL OR state = :state)
                ORDER BY seq DESC LIMIT :limit OFFSET :offset""".formatted(JOB_COLUMNS))
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

    /** A job whose items may be claimed, and its priority. */
    public record Claimable(UUID id, int priority) {
    }

    /**
     * Jobs whose items may be claimed (queued or running), highest priority first, then oldest first: the
     * dispatcher's order.
     */
    public List<Claimable> claimableJobs() {
        return jdbc.sql("SELECT id, priority FROM jobs WHERE state IN " + StateChanges.CLAIMABLE_JOBS
                + " ORDER BY priority DESC, seq")
                .query((rs, n) -> new Claimable(rs.getObject("id", UUID.class), rs.getInt("priority")))
                .list();
    }

    /** Jobs that have not ended (queued, running or paused), as recovery looks at them. */
    public List<UUID> unfinishedJobIds() {
        return jdbc.sql("SELECT id FROM jobs WHERE state IN ('QUEUED', 'RUNNING', 'PAUSED') ORDER BY seq")
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
     * Queued items of one job that no node holds, after {@code afterIndex}, in index order, for the dispatcher,
     * leaving out those of the {@code skipped} hosts: H2 passes over their rows without making items of them.
     */
    public List<Item> queuedItems(UUID jobId, int afterIndex, int limit, Collection<String> skipped) {
        String notSkipped = skipped.isEmpty() ? "" : " AND host NOT IN (:skipped)";
        return jdbc.sql(ITEMS_OF_JOB + " AND state = 'QUEUED' AND claim_token IS NULL AND idx > :after" + notSkipped
                + IN_INDEX_ORDER
                + " LIMIT :limit")
                .param("jobId", jobId)
                .param("after", afterIndex)
                .param("skipped", skipped)
                .param("limit", limit)
                .query((rs, n) -> itemRow(jobId, rs))
                .list();
    }

    /** Queued items no node holds, of one host in one job with an index in ({@code afterIndex}, {@code upToIndex}], in order. */
    public List<Item> queuedItemsOfHost(UUID jobId, String host, int afterIndex, int upToIndex, int limit) {
        return jdbc.sql(ITEMS_OF_JOB + " AND state = 'QUEUED' AND claim_token IS NULL AND host = :host AND idx > :after"
                + " AND idx <= :upTo"
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
     * Writes items as recovery finds them, before any claim exists: the conditions are those of
     * {@link StateChanges.Item#RECOGNISE}, {@link StateChanges.Item#RESTART} and, for tests that set up what a crash
     * leaves, the claim holder's changes; an item already ended is left alone.
     */
    @Transactional
    public void recordItems(Collection<Item> items) {
        if (items.isEmpty()) {
            return;
        }
        plain.batchUpdate(UPDATE_ITEM + " WHERE job_seq = ? AND idx = ? AND state IN ('QUEUED', 'ACTIVE')", items,
                items.size(), (row, item) -> {
                    int next = setItem(row, item);
                    row.setLong(next, seqOf(item.jobId()));
                    row.setInt(next + 1, item.index());
                });
    }

    /** Every column a record sets; the claim is cleared unless the item stays active. */
    static final String UPDATE_ITEM = """
            UPDATE items SET state = ?, file = ?, bytes = ?, size = ?, sha256 = ?, http_status = ?, attempts = ?,
                error_code = ?, error_message = ?, validator = ?, started_at = ?, finished_at = ?, segments = ?,
                claim_owner = CASE WHEN ? THEN claim_owner END,
                claim_token = CASE WHEN ? THEN claim_token END,
                lease_until = CASE WHEN ? THEN lease_until END""";

    /** Sets the parameters of {@link #UPDATE_ITEM} and returns the index of the next one. */
    static int setItem(java.sql.PreparedStatement row, Item item) throws SQLException {
        row.setString(1, item.state().name());
        row.setString(2, item.file());
        row.setLong(3, item.bytes());
        row.setObject(4, item.size(), Types.BIGINT);
        row.setString(5, item.sha256());
        row.setObject(6, item.httpStatus(), Types.INTEGER);
        row.setInt(7, item.attempts());
        row.setString(8, item.error() == null ? null : item.error().code());
        row.setString(9, item.error() == null ? null : truncate(item.error().message(), 2000));
        row.setString(10, item.validator());
        row.setObject(11, millis(item.startedAt()), Types.BIGINT);
        row.setObject(12, millis(item.finishedAt()), Types.BIGINT);
        row.setString(13, Segment.format(item.segments()));
        boolean staysActive = item.state() == ItemState.ACTIVE;
        row.setBoolean(14, staysActive);
        row.setBoolean(15, staysActive);
        row.setBoolean(16, staysActive);
        return 17;
    }

    long seqOf(UUID jobId) {
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

    /** A job's terminal state, with the count that decided it. */
    public record Ended(JobState state, Tally tally) {
    }

    /**
     * Gives a job its terminal state once none of its items is left to do, and writes the announcement of its end
     * to its webhook in the same transaction.
     */
    @Transactional
    public Optional<Ended> finishIfDone(UUID jobId, Instant finishedAt) {
        Tally tally = tally(jobId);
        if (tally.unfinished() > 0) {
            return Optional.empty();
        }
        StateChanges.Job ending = StateChanges.Job.ending(tally.progress(0).counts());
        int updated = jdbc.sql("""
                UPDATE jobs SET state = :state, finished_at = :at, started_at = COALESCE(started_at, :at)
                WHERE id = :id AND state IN""" + " " + ending.fromList())
                .param("id", jobId)
                .param("state", ending.to().name())
                .param("at", finishedAt.toEpochMilli())
                .update();
        if (updated != 1) {
            return Optional.empty();
        }
        deliveries.announce(jobId, ending.to(), finishedAt);
        return Optional.of(new Ended(ending.to(), tally));
    }

    /**
     * Cancels the job and its queued and active items (their claims end with them), writes the announcement of
     * its end to its webhook, and returns how many items; empty when the job was already terminal.
     */
    @Transactional
    public java.util.OptionalInt cancel(UUID jobId, Instant at) {
        if (!change(jobId, StateChanges.Job.CANCEL, at)) {
            return java.util.OptionalInt.empty();
        }
        deliveries.announce(jobId, JobState.CANCELLED, at);
        return java.util.OptionalInt.of(jdbc.sql("""
                UPDATE items SET state = 'CANCELLED', finished_at = :at,
                    claim_owner = NULL, claim_token = NULL, lease_until = NULL
                WHERE job_seq = (SELECT seq FROM jobs WHERE id = :jobId) AND state IN"""
                + " " + StateChanges.Item.CANCEL.fromList())
                .param("jobId", jobId)
                .param("at", at.toEpochMilli())
                .update());
    }

    /**
     * Pauses the job; false when it is not queued or running. Its active items stay claimed until their holder
     * lets go of them: only the holder knows how many bytes are stored.
     */
    public boolean pause(UUID jobId) {
        return change(jobId, StateChanges.Job.PAUSE, null);
    }

    /** A paused job is queued again; false when it was not paused. */
    public boolean resume(UUID jobId) {
        return change(jobId, StateChanges.Job.RESUME, null);
    }

    /** Puts failed and cancelled items of a terminal job back in the queue; false when the job is not terminal. */
    @Transactional
    public boolean retry(UUID jobId) {
        if (!change(jobId, StateChanges.Job.RETRY, null)) {
            return false;
        }
        jdbc.sql("""
                UPDATE items SET state = 'QUEUED', attempts = 0, error_code = NULL, error_message = NULL,
                    http_status = NULL, bytes = 0, sha256 = NULL, file = NULL, validator = NULL, segments = NULL,
                    started_at = NULL, finished_at = NULL
                WHERE job_seq = (SELECT seq FROM jobs WHERE id = :jobId) AND state IN"""
                + " " + StateChanges.Item.RETRY.fromList())
                .param("jobId", jobId)
                .update();
        return true;
    }

    /**
     * One conditional update of the job's state; {@code at} is its finish time when the change ends it. A retried
     * job has not ended any more, so its webhook shows no delivery until it ends again.
     */
    private boolean change(UUID jobId, StateChanges.Job change, Instant at) {
        String finished = change.to().isTerminal() ? ", finished_at = :at"
                : change == StateChanges.Job.RETRY ? ", finished_at = NULL, webhook_delivery = NULL" : "";
        var statement = jdbc.sql("UPDATE jobs SET state = :to" + finished + " WHERE id = :id AND state IN "
                + change.fromList())
                .param("id", jobId)
                .param("to", change.to().name());
        if (change.to().isTerminal()) {
            statement = statement.param("at", at.toEpochMilli());
        }
        return statement.update() == 1;
    }

    /**
     * What a PATCH changes: the label and the limit only when their {@code set…} flag says so (null removes
     * them), the priority when it is not null.
     */
    public record Patch(boolean setLabel, String label, Integer priority, boolean setLimit, Long maxBytesPerSecond) {
    }

    /** Applies a patch to a job that has not ended; false when it has (or does not exist). */
    public boolean patch(UUID jobId, Patch patch) {
        return jdbc.sql("""
                UPDATE jobs SET
                    label = CASE WHEN :setLabel THEN CAST(:label AS VARCHAR(1000)) ELSE label END,
                    priority = COALESCE(CAST(:priority AS INT), priority),
                    max_bytes_per_second = CASE WHEN :setLimit THEN CAST(:limit AS BIGINT)
                        ELSE max_bytes_per_second END
                WHERE id = :id AND state IN ('QUEUED', 'RUNNING', 'PAUSED')""")
                .param("id", jobId)
                .param("setLabel", patch.setLabel())
                .param("label", patch.label())
                .param("priority", patch.priority())
                .param("setLimit", patch.setLimit())
                .param("limit", patch.maxBytesPerSecond())
                .update() == 1;
    }

    /**
     * After a crash of the only node nothing is in flight: active items go back to the queue, keeping their file
     * and bytes, and their claims end. On a shared store this is the claims' lease expiry's to decide instead.
     */
    public int requeueActive() {
        return jdbc.sql("""
                UPDATE items SET state = 'QUEUED', claim_owner = NULL, claim_token = NULL, lease_until = NULL
                WHERE state = 'ACTIVE' OR (state = 'QUEUED' AND claim_token IS NOT NULL)""").update();
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

    /** Counts every item of the job by state and sums their bytes and sizes: the most expensive query of the store. */
    public Tally tally(UUID jobId) {
        Tally[] tally = {Tally.empty()};
        jdbc.sql("""
                SELECT state, COUNT(*) AS n, COALESCE(SUM(bytes), 0) AS b, COALESCE(SUM(size), 0) AS s,
                    COUNT(size) AS known
                FROM items WHERE job_seq = (SELECT seq FROM jobs WHERE id = :jobId) GROUP BY state""")
                .param("jobId", jobId)
                .query(rs -> {
                    int items = rs.getInt("n");
                    tally[0] = tally[0].plus(ItemState.valueOf(rs.getString("state")), items, rs.getLong("b"),
                            rs.getLong("s"), items - rs.getInt("known"));
                });
        return tally[0];
    }

    private static final String JOB_COLUMNS = "id, label, state, priority, max_bytes_per_second, created_at,"
            + " started_at, finished_at, item_count, request_headers, webhook_url,"
            + " (SELECT d.state FROM webhook_deliveries d WHERE d.seq = jobs.webhook_delivery) AS webhook_state,"
            + " (SELECT d.attempts FROM webhook_deliveries d WHERE d.seq = jobs.webhook_delivery) AS webhook_attempts";

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
                null,
                rs.getInt("priority"),
                (Long) rs.getObject("max_bytes_per_second", Long.class),
                RequestHeaders.namesOfBlock(rs.getString("request_headers")),
                webhook(rs));
    }

    private static Job.WebhookStatus webhook(ResultSet rs) throws SQLException {
        String url = rs.getString("webhook_url");
        if (url == null) {
            return null;
        }
        String state = rs.getString("webhook_state");
        return new Job.WebhookStatus(url, state == null ? null : DeliveryState.valueOf(state),
                state == null ? 0 : rs.getInt("webhook_attempts"));
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
                code == null ? null : new ItemError(code, rs.getString("error_message")),
                rs.getString("validator"),
                instant(rs, "started_at"),
                instant(rs, "finished_at"),
                Segment.parse(rs.getString("segments")));
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
