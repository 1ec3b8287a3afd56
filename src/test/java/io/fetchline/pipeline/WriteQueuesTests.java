package io.fetchline.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.fetchline.job.Item;
import io.fetchline.job.ItemState;

/** One writer per transfer, so two threads never write the same file. */
class WriteQueuesTests {

    @Test
    void everyChunkOfATransferGoesToTheWriterItWasAssigned() throws InterruptedException {
        WriteQueues queues = new WriteQueues(2, 8);
        Transfer first = new Transfer(item(0), 1, Instant.now(), queues.assign());
        Transfer second = new Transfer(item(1), 1, Instant.now(), queues.assign());

        for (int i = 0; i < 3; i++) {
            queues.put(new Chunk(first, new byte[1], 1, i, false));
        }
        queues.put(Chunk.end(second));

        assertThat(first.writer).isNotEqualTo(second.writer);
        assertThat(queues.of(first.writer)).hasSize(3).allMatch(chunk -> chunk.transfer() == first);
        assertThat(queues.of(second.writer)).hasSize(1);
        assertThat(queues).as("the depth the metrics show").hasSize(4);
    }

    @Test
    void theCapacityIsSharedOutBetweenTheWriters() {
        WriteQueues queues = new WriteQueues(2, 5);

        assertThat(queues.of(0).remainingCapacity() + queues.of(1).remainingCapacity()).isEqualTo(5);
        assertThat(new WriteQueues(4, 2).of(3).remainingCapacity()).as("never zero").isEqualTo(1);
    }

    private static Item item(int index) {
        return new Item(UUID.randomUUID(), index, "http://127.0.0.1/a.bin", null, null, ItemState.QUEUED, null, 0,
                null, null, null, 0, null, null, null, null);
    }
}
