package io.fetchline.pipeline;

import java.time.Duration;
import java.util.UUID;

/**
 * This process as a holder of claims: a new id each start, so that claims of a crashed run are never taken for
 * its own, and how long a claim lasts unless renewed.
 */
record Node(String id, Duration lease) {

    static Node start(Duration lease) {
        return new Node(UUID.randomUUID().toString(), lease);
    }
}
