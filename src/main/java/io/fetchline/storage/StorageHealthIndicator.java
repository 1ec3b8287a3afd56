package io.fetchline.storage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/** UP only when a file can really be created in the storage root: permissions alone can lie (read-only mounts). */
@Component
class StorageHealthIndicator implements HealthIndicator {

    private final Storage storage;

    StorageHealthIndicator(Storage storage) {
        this.storage = storage;
    }

    @Override
    public Health health() {
        Path root = storage.root();
        try {
            Files.createDirectories(root);
            Path probe = Files.createTempFile(root, ".health-", ".tmp");
            Files.delete(probe);
            return Health.up().withDetail("root", root.toString()).build();
        } catch (IOException | RuntimeException ex) {
            return Health.down().withDetail("root", root.toString()).withDetail("error", ex.toString()).build();
        }
    }
}
