package io.fetchline.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import org.junit.jupiter.api.Test;

import io.fetchline.FetchlineTest;

/** {@code fetchline_storage_writable} says what {@code /actuator/health} says of the storage, for alert rules. */
class StorageWritableGaugeTests extends FetchlineTest {

    private static final String GAUGE = "fetchline_storage_writable";

    @Test
    void followsTheStorageHealth() throws Exception {
        Path root = HOME.resolve("downloads");
        Files.createDirectories(root);
        Path aside = HOME.resolve("downloads-aside");
        assertThat(api.metric(GAUGE)).isEqualTo(1.0);

        // A plain file where the storage root should be: nothing can be created under it, even by root.
        Files.move(root, aside, StandardCopyOption.ATOMIC_MOVE);
        try {
            Files.writeString(root, "not a folder");
            assertThat(storageHealth()).isEqualTo("DOWN");
            assertThat(api.metric(GAUGE)).isEqualTo(0.0);
        } finally {
            Files.deleteIfExists(root);
            Files.move(aside, root, StandardCopyOption.ATOMIC_MOVE);
        }

        assertThat(api.metric(GAUGE)).isEqualTo(1.0);
        assertThat(storageHealth()).isEqualTo("UP");
    }

    private String storageHealth() {
        return api.get("/actuator/health").json().path("components").path("storage").path("status").asString();
    }
}
