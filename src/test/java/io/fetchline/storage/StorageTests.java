package io.fetchline.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

import io.fetchline.config.FetchlineProperties;

/** Reserving names on the real file system: the part file that claims a name is the one written to. */
class StorageTests {

    @TempDir
    Path root;

    private final UUID job = UUID.randomUUID();

    @Test
    void reservingCreatesTheJobFolderAndAnEmptyPartFileOpenForWriting() throws IOException {
        Storage storage = storage();

        Storage.Reservation reservation = storage.reserve(job, "a.bin");
        try (var channel = reservation.channel()) {
            assertThat(reservation.name()).isEqualTo("a.bin");
            assertThat(storage.part(job, "a.bin")).exists().isEmptyFile();
            channel.write(ByteBuffer.wrap(new byte[] {1, 2, 3}), 0);
        }
        storage.complete(job, "a.bin");

        assertThat(storage.part(job, "a.bin")).doesNotExist();
        assertThat(Files.readAllBytes(storage.file(job, "a.bin"))).containsExactly(1, 2, 3);
    }

    @Test
    void aNameHeldByAPartOrAFinishedFileGoesToTheNextNumber() throws IOException {
        Storage storage = storage();
        Storage.Reservation first = storage.reserve(job, "a.bin");
        first.channel().close();

        Storage.Reservation second = storage.reserve(job, "a.bin");
        second.channel().close();
        storage.complete(job, first.name());
        Storage.Reservation third = storage.reserve(job, "a.bin");
        third.channel().close();

        assertThat(second.name()).isEqualTo(storage.namer().numbered("a.bin", 1));
        assertThat(third.name()).as("a.bin is a finished file now").isEqualTo(storage.namer().numbered("a.bin", 2));
    }

    @Test
    void aJobFolderRemovedMeanwhileIsCreatedAgain() throws IOException {
        Storage storage = storage();
        storage.reserve(job, "a.bin").channel().close();
        storage.discard(job, "a.bin");
        Files.delete(storage.folder(job));

        Storage.Reservation again = storage.reserve(job, "a.bin");
        again.channel().close();

        assertThat(again.name()).isEqualTo("a.bin");
        assertThat(storage.part(job, "a.bin")).exists();
    }

    @Test
    void onlyBulkBlockAlignedWritesGoPastThePageCache() throws IOException {
        Storage storage = storage();
        storage.reserve(job, "a.bin").channel().close();
        int chunk = 256 * 1024;

        assertThat(storage.writesDirect(0, chunk)).isTrue();
        int block = storage.blockSize();
        assertThat(storage.writesDirect(3L * block, chunk)).isTrue();
        assertThat(storage.writesDirect(3L * block + 1, chunk)).as("offset inside a block").isFalse();
        assertThat(storage.writesDirect(0, chunk + 1)).as("a partial block").isFalse();
        assertThat(storage.writesDirect(0, 16 * 1024)).as("a small file's write").isFalse();
        try (FileChannel direct = storage.openDirect(job, "a.bin")) {
            direct.write(ByteBuffer.allocateDirect(2 * block).alignedSlice(block).limit(block), 0);
            // Only an O_DIRECT channel refuses part of a block.
            assertThatThrownBy(() -> direct.write(ByteBuffer.wrap(new byte[100]), block))
                    .isInstanceOf(IOException.class);
        }
        assertThat(storage.part(job, "a.bin")).hasSize(block);
    }

    @Test
    void directIoOffKeepsEveryWriteInThePageCache() throws IOException {
        Storage storage = storage("fetchline.storage.direct-io", "false");
        storage.reserve(job, "a.bin").channel().close();

        assertThat(storage.writesDirect(0, 256 * 1024)).isFalse();
    }

    private Storage storage(String... settings) {
        Map<String, String> properties = new java.util.HashMap<>(Map.of("fetchline.storage.root", root.toString()));
        for (int i = 0; i < settings.length; i += 2) {
            properties.put(settings[i], settings[i + 1]);
        }
        Binder binder = new Binder(new MapConfigurationPropertySource(properties));
        return new Storage(binder.bindOrCreate("fetchline", FetchlineProperties.class));
    }
}
