package io.fetchline.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

import io.fetchline.FetchlineTest;
import io.fetchline.pipeline.Pipeline;

/**
 * The store applies {@link StateChanges} as conditional updates: from every state, each change takes effect
 * exactly when the table allows it, and otherwise leaves the row as it was. Runs with the pipeline stopped, so
 * that nothing else changes the rows.
 */
class StoredStateChangesTests extends FetchlineTest {

    private static final Duration LEASE = Duration.ofSeconds(30);

    @Autowired
    Pipeline pipeline;

    @Autowired
    JobStore store;

    @Autowired
    Claims claims;

    @Autowired
    DataSource dataSource;

    private final UUID job = UUID.randomUUID();

    @BeforeEach
    void storeJob() {
        pipeline.stop();
        store.insert(job, new JobStore.Settings("changes", 0, null, false), Instant.now(),
                List.of(NewItem.of(URI.create("http://a.test/f0"), null, null)), null, "0".repeat(64));
    }

    @AfterEach
    void dropJob() {
        store.cancel(job, Instant.now());
        pipeline.start();
    }

    @ParameterizedTest
    @EnumSource(JobState.class)
    void pauseTakesEffectOnlyFromWhatTheTableAllows(JobState from) {
        assertChange(from, StateChanges.Job.PAUSE, store::pause);
    }

    @ParameterizedTest
    @EnumSource(JobState.class)
    void resumeTakesEffectOnlyFromWhatTheTableAllows(JobState from) {
        assertChange(from, StateChanges.Job.RESUME, store::resume);
    }

    @ParameterizedTest
    @EnumSource(JobState.class)
    void cancelTakesEffectOnlyFromWhatTheTableAllows(JobState from) {
        assertChange(from, StateChanges.Job.CANCEL, id -> store.cancel(id, Instant.now()).isPresent());
    }

    @ParameterizedTest
    @EnumSource(JobState.class)
    void retryTakesEffectOnlyFromWhatTheTableAllows(JobState from) {
        assertChange(from, StateChanges.Job.RETRY, store::retry);
    }

    @ParameterizedTest
    @EnumSource(JobState.class)
    void aPatchChangesOnlyJobsThatHaveNotEnded(JobState from) {
        setJob(from);
        boolean patched = store.patch(job, new JobStore.Patch(true, "patched", 7, true, 4096L));
        Job row = store.findJobRow(job).orElseThrow();
        assertThat(patched).isEqualTo(!from.isTerminal());
        assertThat(row.priority()).isEqualTo(from.isTerminal() ? 0 : 7);
        assertThat(row.label()).isEqualTo(from.isTerminal() ? "changes" : "patched");
    }

    @ParameterizedTest
    @EnumSource(JobState.class)
    void anItemIsClaimedOnlyWhileItsJobIsQueuedOrRunning(JobState from) {
        setJob(from);
        Item item = store.findItem(job, 0).orElseThrow();
        List<Claims.Claimed> claimed = claims.claim(List.of(item), "test-node", LEASE, job -> true);
        boolean claimable = from == JobState.QUEUED || from == JobState.RUNNING;
        assertThat(claimed).hasSize(claimable ? 1 : 0);
        // A claim changes who holds the item, not its state; no second claim is taken while it holds.
        assertThat(store.findItem(job, 0).orElseThrow().state()).isEqualTo(ItemState.QUEUED);
        assertThat(claims.claim(List.of(item), "other-node", LEASE, job -> true)).isEmpty();
        if (claimable) {
            assertThat(store.findJobRow(job).orElseThrow().state()).isEqualTo(JobState.RUNNING);
        }
    }

    @ParameterizedTest
    @EnumSource(ItemState.class)
    void anItemIsClaimedOnlyFromQueued(ItemState from) {
        setItem(from);
        Item item = store.findItem(job, 0).orElseThrow();
        assertThat(claims.claim(List.of(item), "test-node", LEASE, job -> true)).hasSize(from == ItemState.QUEUED ? 1 : 0);
    }

    @ParameterizedTest
    @EnumSource(value = ItemState.class, names = {"ACTIVE", "QUEUED", "SUCCEEDED", "FAILED"})
    void theHoldersRecordsNeedItsToken(ItemState recorded) {
        Item queued = store.findItem(job, 0).orElseThrow();
        Claims.Claimed claim = claims.claim(List.of(queued), "test-node", LEASE, job -> true).get(0);
        Item update = withState(queued, recorded);

        assertThat(claims.record(List.of(new Claims.Claimed(update, claim.token() + 1)))).hasSize(1);
        assertThat(store.findItem(job, 0).orElseThrow().state()).isEqualTo(ItemState.QUEUED);
        assertThat(claims.record(List.of(new Claims.Claimed(update, claim.token())))).isEmpty();
        assertThat(store.findItem(job, 0).orElseThrow().state()).isEqualTo(recorded);
        // The claim ended with the change, unless the item stays active: a second record of it is refused.
        assertThat(claims.record(List.of(new Claims.Claimed(update, claim.token()))))
                .hasSize(recorded == ItemState.ACTIVE ? 0 : 1);
    }

    @ParameterizedTest
    @EnumSource(ItemState.class)
    void aCancelTakesItemsThatHaveNotEnded(ItemState from) {
        setItem(from);
        store.cancel(job, Instant.now());
        assertThat(store.findItem(job, 0).orElseThrow().state()).isEqualTo(
                StateChanges.Item.CANCEL.from().contains(from) ? ItemState.CANCELLED : from);
    }

    private void assertChange(JobState from, StateChanges.Job change, Predicate<UUID> apply) {
        setJob(from);
        boolean allowed = change.from().contains(from);

        assertThat(apply.test(job)).isEqualTo(allowed);
        assertThat(store.findJobRow(job).orElseThrow().state()).isEqualTo(allowed ? change.to() : from);
    }

    private void setJob(JobState state) {
        new JdbcTemplate(dataSource).update("UPDATE jobs SET state = ? WHERE id = ?", state.name(), job);
    }

    private void setItem(ItemState state) {
        new JdbcTemplate(dataSource).update("UPDATE items SET state = ? WHERE job_seq = (SELECT seq FROM jobs"
                + " WHERE id = ?)", state.name(), job);
    }

    private static Item withState(Item item, ItemState state) {
        return new Item(item.jobId(), item.index(), item.url(), item.requestedName(), item.expectedSha256(), state,
                "f0", 10, 10L, null, 200, 1, null, null, Instant.now(), state.isTerminal() ? Instant.now() : null);
    }
}
