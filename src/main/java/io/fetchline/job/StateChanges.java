package io.fetchline.job;

import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Every change of a job's or an item's state that Fetchline makes, each with the states it may start from. The
 * store turns each into one conditional update ({@code … WHERE state IN (from)}), so a change that finds its row in
 * another state changes nothing: another actor decided first, and the caller backs off. Whatever is not listed
 * here never happens.
 */
public final class StateChanges {

    /** The states of a job whose items may be claimed: {@link Item#CLAIM} checks it in the same update. */
    public static final String CLAIMABLE_JOBS = list(EnumSet.of(JobState.QUEUED, JobState.RUNNING));

    private StateChanges() {
    }

    /** The changes of a job's state. */
    public enum Job {
        /** Its first item was claimed. */
        START(JobState.RUNNING, JobState.QUEUED),
        PAUSE(JobState.PAUSED, JobState.QUEUED, JobState.RUNNING),
        RESUME(JobState.QUEUED, JobState.PAUSED),
        /** By the client; a paused job may be cancelled too. */
        CANCEL(JobState.CANCELLED, JobState.QUEUED, JobState.RUNNING, JobState.PAUSED),
        /** No item is left to do: the job ends in the state its items decide. */
        SUCCEED(JobState.SUCCEEDED, JobState.QUEUED, JobState.RUNNING),
        FAIL(JobState.FAILED, JobState.QUEUED, JobState.RUNNING),
        END_CANCELLED(JobState.CANCELLED, JobState.QUEUED, JobState.RUNNING),
        /** Its failed and cancelled items go back to the queue. */
        RETRY(JobState.QUEUED, JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED);

        private final JobState to;
        private final Set<JobState> from;

        Job(JobState to, JobState first, JobState... more) {
            this.to = to;
            this.from = EnumSet.of(first, more);
        }

        public JobState to() {
            return to;
        }

        public Set<JobState> from() {
            return from;
        }

        /** The SQL list of the states this change starts from, e.g. {@code ('QUEUED', 'RUNNING')}. */
        public String fromList() {
            return list(from);
        }

        /** How a job with no item left to do ends. */
        public static Job ending(ItemCounts counts) {
            return counts.failed() > 0 ? FAIL : counts.cancelled() > 0 ? END_CANCELLED : SUCCEED;
        }

        public static boolean isAllowed(JobState from, JobState to) {
            for (Job change : values()) {
                if (change.to == to && change.from.contains(from)) {
                    return true;
                }
            }
            return false;
        }
    }

    /** The changes of an item's state. */
    public enum Item {
        /**
         * Taken by a node, with a lease and a fencing token, while no one holds it and its job is queued or
         * running. It stays queued until the holder's transfer starts: a claim says who may work on the item, its
         * state what is happening to it.
         */
        CLAIM(ItemState.QUEUED, ItemState.QUEUED),
        /** The holder's transfer started, or it records bytes stored, a reserved name, or a retry it waits for. */
        PROGRESS(ItemState.ACTIVE, ItemState.QUEUED, ItemState.ACTIVE),
        /** The claim ends without an outcome (pause, shutdown): the bytes stored stay. */
        RELEASE(ItemState.QUEUED, ItemState.QUEUED, ItemState.ACTIVE),
        SUCCEED(ItemState.SUCCEEDED, ItemState.QUEUED, ItemState.ACTIVE),
        FAIL(ItemState.FAILED, ItemState.QUEUED, ItemState.ACTIVE),
        /** Recovery found the finished file in place, renamed just before a crash could record it. */
        RECOGNISE(ItemState.SUCCEEDED, ItemState.QUEUED),
        /** Recovery found its stored bytes gone: it starts over under its name. */
        RESTART(ItemState.QUEUED, ItemState.QUEUED),
        CANCEL(ItemState.CANCELLED, ItemState.QUEUED, ItemState.ACTIVE),
        RETRY(ItemState.QUEUED, ItemState.FAILED, ItemState.CANCELLED);

        private final ItemState to;
        private final Set<ItemState> from;

        Item(ItemState to, ItemState first, ItemState... more) {
            this.to = to;
            this.from = EnumSet.of(first, more);
        }

        public ItemState to() {
            return to;
        }

        public Set<ItemState> from() {
            return from;
        }

        public String fromList() {
            return list(from);
        }

        /** What the claim holder's record of an item in {@code state} is. */
        public static Item byHolder(ItemState state) {
            return switch (state) {
                case ACTIVE -> PROGRESS;
                case QUEUED -> RELEASE;
                case SUCCEEDED -> SUCCEED;
                case FAILED -> FAIL;
                case CANCELLED -> throw new IllegalArgumentException("only the client cancels an item");
            };
        }

        public static boolean isAllowed(ItemState from, ItemState to) {
            for (Item change : values()) {
                if (change.to == to && change.from.contains(from)) {
                    return true;
                }
            }
            return false;
        }
    }

    private static String list(Set<? extends Enum<?>> states) {
        return states.stream().map(state -> "'" + state.name() + "'").collect(Collectors.joining(", ", "(", ")"));
    }
}
