package io.fetchline.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.fetchline.job.Item;
import io.fetchline.job.ItemState;

/** The stored bytes a resume may rely on, when parallel writers finish chunks out of order. */
class TransferTests {

    @Test
    void beforeAnyWriteTheProgressIsWhatTheAttemptStartedFrom() {
        Transfer transfer = new Transfer(item(5000), 1, Instant.now(), 0);

        assertThat(transfer.progress().bytes()).isEqualTo(5000);
    }

    @Test
    void aChunkStoredBeyondAGapCountsOnlyOnceTheGapIsFilled() {
        Transfer transfer = new Transfer(item(100), 1, Instant.now(), 0);
        transfer.writesFrom(100);

        transfer.stored(200, 100);
        assertThat(transfer.progress().bytes()).as("200-300 stored, 100-200 not yet").isEqualTo(100);
        transfer.stored(300, 100);
        assertThat(transfer.progress().bytes()).isEqualTo(100);
        transfer.stored(100, 100);
        assertThat(transfer.progress().bytes()).isEqualTo(400);
    }

    @Test
    void anAttemptThatStartsTheFileOverCountsFromZero() {
        Transfer transfer = new Transfer(item(5000), 1, Instant.now(), 0);
        transfer.writesFrom(0);

        assertThat(transfer.progress().bytes()).as("the stored 5000 bytes are being replaced").isZero();
        transfer.stored(0, 64);
        assertThat(transfer.progress().bytes()).isEqualTo(64);
    }

    private static Item item(long bytes) {
        return new Item(UUID.randomUUID(), 0, "http://127.0.0.1/a.bin", null, null, ItemState.QUEUED, "a.bin", bytes,
                null, null, null, 1, null, null, null, null);
    }
}
