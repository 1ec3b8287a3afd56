package io.fetchline.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import io.fetchline.FetchlineTest;
import io.fetchline.pipeline.Pipeline;

/**
 * The reads the dispatcher claims items with, on the real store: passing over the rows of hosts left behind, and
 * reading one host's rows within bounds. The pipeline is stopped, so nothing claims the rows under the test.
 */
class QueuedItemsTests extends FetchlineTest {

    private static final String A = "a.test:80";
    private static final String B = "b.test:80";

    @Autowired
    Pipeline pipeline;

    @Autowired
    JobStore store;

    private final UUID job = UUID.randomUUID();

    @BeforeEach
    void storeJob() {
        pipeline.stop();
        // Items 0, 3, 6 and 9 of host b; the others of host a.
        List<NewItem> items = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            items.add(NewItem.of(URI.create("http://" + (i % 3 == 0 ? "b" : "a") + ".test/f" + i), null, null));
        }
        store.insert(job, new JobStore.Settings("queued items", 0, null, false), Instant.now(), items, null, "0".repeat(64));
    }

    @AfterEach
    void dropJob() {
        // Cancelled, so the pipeline never fetches it.
        store.cancel(job, Instant.now());
        pipeline.start();
    }

    @Test
    void readingAtTheCursorPassesOverTheHostsLeftBehind() {
        assertThat(indexes(store.queuedItems(job, -1, 64, Set.of()))).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
        assertThat(indexes(store.queuedItems(job, 0, 2, Set.of(A)))).containsExactly(3, 6);
        assertThat(indexes(store.queuedItems(job, 6, 64, Set.of(A)))).containsExactly(9);
        assertThat(store.queuedItems(job, 0, 64, Set.of(A, B))).isEmpty();
    }

    @Test
    void catchingUpReadsOneHostUpToTheCursorOnly() {
        assertThat(indexes(store.queuedItemsOfHost(job, A, 1, 7, 3))).containsExactly(2, 4, 5);
        assertThat(indexes(store.queuedItemsOfHost(job, A, 5, 7, 64))).containsExactly(7);
        assertThat(indexes(store.queuedItemsOfHost(job, B, -1, Integer.MAX_VALUE, 64))).containsExactly(0, 3, 6, 9);
    }

    @Test
    void itemsNoLongerQueuedAreNotRead() {
        Item first = store.queuedItemsOfHost(job, A, -1, 9, 1).get(0);
        store.recordItems(List.of(new Item(job, first.index(), first.url(), null, null, ItemState.ACTIVE, null, 0,
                null, null, null, 1, null, null, Instant.now(), null)));

        assertThat(indexes(store.queuedItemsOfHost(job, A, -1, 9, 64))).containsExactly(2, 4, 5, 7, 8);
        assertThat(indexes(store.queuedItems(job, -1, 64, Set.of(B)))).containsExactly(2, 4, 5, 7, 8);
    }

    private static List<Integer> indexes(List<Item> items) {
        return items.stream().map(Item::index).toList();
    }
}
