package io.fetchline.job;

/**
 * What a job's items add up to, kept in a form that one item's change can be added to without reading the others:
 * items by state, bytes stored, and the sizes that make up {@code bytes.expected} with how many of them are unknown.
 * Immutable, so that a status read never sees half of a change.
 */
public final class Tally {

    private static final Tally EMPTY = new Tally(new int[ItemState.values().length], 0, 0, 0);

    private final int[] byState;
    private final long bytes;
    /** Sizes of the items that count towards the expected total (not failed or cancelled) whose size is known. */
    private final long sizes;
    /** Items that count towards the expected total and whose size is unknown: while any is, so is the total. */
    private final int unknownSizes;

    private Tally(int[] byState, long bytes, long sizes, int unknownSizes) {
        this.byState = byState;
        this.bytes = bytes;
        this.sizes = sizes;
        this.unknownSizes = unknownSizes;
    }

    static Tally empty() {
        return EMPTY;
    }

    /** The tally of a new job: {@code total} items queued, nothing stored, no size known. */
    static Tally queued(int total) {
        int[] byState = new int[ItemState.values().length];
        byState[ItemState.QUEUED.ordinal()] = total;
        return new Tally(byState, 0, 0, total);
    }

    /**
     * Adds {@code items} items in {@code state} holding {@code bytes} and, as far as known, {@code sizes} in all,
     * {@code unknown} of them of unknown size.
     */
    Tally plus(ItemState state, int items, long bytes, long sizes, int unknown) {
        int[] next = byState.clone();
        next[state.ordinal()] += items;
        boolean expected = countsTowardsTotal(state);
        return new Tally(next, this.bytes + bytes, this.sizes + (expected ? sizes : 0),
                this.unknownSizes + (expected ? unknown : 0));
    }

    /** This tally once one item went from {@code before} to {@code after}. */
    Tally changed(Item before, Item after) {
        return plus(before, -1).plus(after, 1);
    }

    private Tally plus(Item item, int sign) {
        boolean unknown = item.size() == null;
        return plus(item.state(), sign, sign * item.bytes(), unknown ? 0 : sign * item.size(), unknown ? sign : 0);
    }

    public int unfinished() {
        return count(ItemState.QUEUED) + count(ItemState.ACTIVE);
    }

    public int count(ItemState state) {
        return byState[state.ordinal()];
    }

    /** The job's progress as status reads show it; {@code total} is the job's item count as stored with it. */
    public Job.Progress progress(int total) {
        int counted = 0;
        for (int n : byState) {
            counted += n;
        }
        ItemCounts counts = new ItemCounts(Math.max(total, counted), count(ItemState.QUEUED),
                count(ItemState.ACTIVE), count(ItemState.SUCCEEDED), count(ItemState.FAILED),
                count(ItemState.CANCELLED));
        return new Job.Progress(counts, bytes, unknownSizes == 0 ? sizes : null);
    }

    /** Failed and cancelled items will never have a size: they do not keep the total unknown. */
    private static boolean countsTowardsTotal(ItemState state) {
        return state != ItemState.FAILED && state != ItemState.CANCELLED;
    }
}
