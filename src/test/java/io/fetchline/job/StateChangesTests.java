package io.fetchline.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every change of state, allowed or refused, written out as a table: a change added to {@link StateChanges} or
 * taken from it without this table changing with it fails here.
 */
class StateChangesTests {

    private static final JobState Q = JobState.QUEUED;
    private static final JobState R = JobState.RUNNING;
    private static final JobState P = JobState.PAUSED;
    private static final JobState S = JobState.SUCCEEDED;
    private static final JobState F = JobState.FAILED;
    private static final JobState C = JobState.CANCELLED;

    /** Job: from → the states it may change to. */
    private static final Object[][] JOB_TABLE = {
            {Q, EnumSet.of(R, P, S, F, C)},
            {R, EnumSet.of(P, S, F, C)},
            {P, EnumSet.of(Q, C)},
            {S, EnumSet.of(Q)},
            {F, EnumSet.of(Q)},
            {C, EnumSet.of(Q)},
    };

    /** Item: from → the states it may change to (itself included, where a record keeps the state). */
    private static final Object[][] ITEM_TABLE = {
            {ItemState.QUEUED, EnumSet.of(ItemState.ACTIVE, ItemState.QUEUED, ItemState.SUCCEEDED, ItemState.FAILED,
                    ItemState.CANCELLED)},
            {ItemState.ACTIVE, EnumSet.of(ItemState.ACTIVE, ItemState.QUEUED, ItemState.SUCCEEDED, ItemState.FAILED,
                    ItemState.CANCELLED)},
            {ItemState.SUCCEEDED, EnumSet.noneOf(ItemState.class)},
            {ItemState.FAILED, EnumSet.of(ItemState.QUEUED)},
            {ItemState.CANCELLED, EnumSet.of(ItemState.QUEUED)},
    };

    @SuppressWarnings("unchecked")
    static List<Arguments> jobPairs() {
        List<Arguments> pairs = new ArrayList<>();
        for (Object[] row : JOB_TABLE) {
            for (JobState to : JobState.values()) {
                pairs.add(Arguments.of(row[0], to, ((Set<JobState>) row[1]).contains(to)));
            }
        }
        return pairs;
    }

    @SuppressWarnings("unchecked")
    static List<Arguments> itemPairs() {
        List<Arguments> pairs = new ArrayList<>();
        for (Object[] row : ITEM_TABLE) {
            for (ItemState to : ItemState.values()) {
                pairs.add(Arguments.of(row[0], to, ((Set<ItemState>) row[1]).contains(to)));
            }
        }
        return pairs;
    }

    @ParameterizedTest(name = "job {0} → {1}: {2}")
    @MethodSource("jobPairs")
    void everyJobChangeIsAllowedOrRefusedAsTheTableSays(JobState from, JobState to, boolean allowed) {
        assertThat(StateChanges.Job.isAllowed(from, to)).isEqualTo(allowed);
    }

    @ParameterizedTest(name = "item {0} → {1}: {2}")
    @MethodSource("itemPairs")
    void everyItemChangeIsAllowedOrRefusedAsTheTableSays(ItemState from, ItemState to, boolean allowed) {
        assertThat(StateChanges.Item.isAllowed(from, to)).isEqualTo(allowed);
    }

    static List<Arguments> namedJobChanges() {
        return List.of(
                Arguments.of(StateChanges.Job.START, EnumSet.of(Q), R),
                Arguments.of(StateChanges.Job.PAUSE, EnumSet.of(Q, R), P),
                Arguments.of(StateChanges.Job.RESUME, EnumSet.of(P), Q),
                Arguments.of(StateChanges.Job.CANCEL, EnumSet.of(Q, R, P), C),
                Arguments.of(StateChanges.Job.SUCCEED, EnumSet.of(Q, R), S),
                Arguments.of(StateChanges.Job.FAIL, EnumSet.of(Q, R), F),
                Arguments.of(StateChanges.Job.END_CANCELLED, EnumSet.of(Q, R), C),
                Arguments.of(StateChanges.Job.RETRY, EnumSet.of(S, F, C), Q));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("namedJobChanges")
    void eachJobChangeStartsFromItsStatesOnly(StateChanges.Job change, Set<JobState> from, JobState to) {
        assertThat(change.from()).isEqualTo(from);
        assertThat(change.to()).isEqualTo(to);
        assertThat(StateChanges.Job.values()).hasSize(namedJobChanges().size());
    }

    static List<Arguments> namedItemChanges() {
        ItemState queued = ItemState.QUEUED;
        ItemState active = ItemState.ACTIVE;
        return List.of(
                Arguments.of(StateChanges.Item.CLAIM, EnumSet.of(queued), queued),
                Arguments.of(StateChanges.Item.PROGRESS, EnumSet.of(queued, active), active),
                Arguments.of(StateChanges.Item.RELEASE, EnumSet.of(queued, active), queued),
                Arguments.of(StateChanges.Item.SUCCEED, EnumSet.of(queued, active), ItemState.SUCCEEDED),
                Arguments.of(StateChanges.Item.FAIL, EnumSet.of(queued, active), ItemState.FAILED),
                Arguments.of(StateChanges.Item.RECOGNISE, EnumSet.of(queued), ItemState.SUCCEEDED),
                Arguments.of(StateChanges.Item.RESTART, EnumSet.of(queued), queued),
                Arguments.of(StateChanges.Item.CANCEL, EnumSet.of(queued, active), ItemState.CANCELLED),
                Arguments.of(StateChanges.Item.RETRY, EnumSet.of(ItemState.FAILED, ItemState.CANCELLED), queued));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("namedItemChanges")
    void eachItemChangeStartsFromItsStatesOnly(StateChanges.Item change, Set<ItemState> from, ItemState to) {
        assertThat(change.from()).isEqualTo(from);
        assertThat(change.to()).isEqualTo(to);
        assertThat(StateChanges.Item.values()).hasSize(namedItemChanges().size());
    }

    @ParameterizedTest(name = "the holder records {0}")
    @MethodSource("holderStates")
    void theClaimHolderRecordsOnlyChangesFromQueuedOrActive(ItemState state) {
        assertThat(StateChanges.Item.byHolder(state).from()).containsExactly(ItemState.QUEUED, ItemState.ACTIVE);
        assertThat(StateChanges.Item.byHolder(state).to()).isEqualTo(state);
    }

    static List<ItemState> holderStates() {
        return List.of(ItemState.ACTIVE, ItemState.QUEUED, ItemState.SUCCEEDED, ItemState.FAILED);
    }
}
