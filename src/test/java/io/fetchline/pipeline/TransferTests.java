package io.fetchline.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.fetchline.job.Item;
import io.fetchline.job.ItemState;

/** The stored bytes a resume may rely on, when parallel writers finish chunks out of order. */
class TransferTests {

    @TempDir
    Path folder;

    private FileChannel channel;

    @AfterEach
    void close() throws IOException {
        if (channel != null) {
            channel.close();
        }
    }

    @Test
    void beforeAnyWriteTheProgressIsWhatTheAttemptStartedFrom() {
        Transfer transfer = new Transfer(item(5000), Instant.now());

        assertThat(transfer.progress().bytes()).isEqualTo(5000);
    }

    @Test
    void aChunkStoredBeyondAGapCountsOnlyOnceTheGapIsFilled() throws IOException {
        Transfer transfer = resumedFrom(100);

        transfer.beforeWrite();
        transfer.stored(200, 100);
        assertThat(transfer.progress().bytes()).as("200-300 stored, 100-200 not yet").isEqualTo(100);
        transfer.beforeWrite();
        transfer.stored(300, 100);
        assertThat(transfer.progress().bytes()).isEqualTo(100);
        transfer.beforeWrite();
        transfer.stored(100, 100);
        assertThat(transfer.progress().bytes()).isEqualTo(400);
    }

    @Test
    void theFileAsTheFirstWriterFindsItIsWhereTheGapFreePartEnds() throws IOException {
        Transfer transfer = resumedFrom(100);

        transfer.beforeWrite();
        channel.write(ByteBuffer.allocate(50), 150);
        transfer.stored(150, 50);
        transfer.beforeWrite();

        assertThat(transfer.progress().bytes()).as("100-150 not stored yet").isEqualTo(100);
    }

    private Transfer resumedFrom(int stored) throws IOException {
        Path part = Files.write(folder.resolve("a.bin.part"), new byte[stored]);
        Transfer transfer = new Transfer(item(stored), Instant.now());
        channel = FileChannel.open(part, StandardOpenOption.WRITE);
        transfer.channel = channel;
        return transfer;
    }

    private static Item item(long bytes) {
        return new Item(UUID.randomUUID(), 0, "http://127.0.0.1/a.bin", null, null, ItemState.QUEUED, "a.bin", bytes,
                null, null, null, 1, null, null, null, null);
    }
}
