package io.fetchline.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.fetchline.ServerSentEvents;

/** Event streams need the same key as the rest of {@code /api/**}. */
class EventsApiKeyTests extends KeyedFetchlineTest {

    @Test
    void aStreamWithoutAValidKeyIsRefusedAndOneWithTheKeyOpens() {
        origin.file("/keyed-events.bin", 1000, 1);
        String id = api.submit(List.of(origin.url("/keyed-events.bin")));

        for (String path : List.of("/api/v1/jobs/" + id + "/events", "/api/v1/events")) {
            for (String key : new String[] {null, "wrong-key"}) {
                try (ServerSentEvents refused = ServerSentEvents.open(port, path, key)) {
                    assertThat(refused.status()).as("%s with key %s", path, key).isEqualTo(401);
                    assertThat(refused.header("Content-Type")).startsWith("application/problem+json");
                    assertThat(refused.body()).doesNotContain("\"event\"");
                }
            }
            long start = System.nanoTime();
            try (ServerSentEvents stream = ServerSentEvents.open(port, path, KEY)) {
                assertThat(stream.status()).as(path).isEqualTo(200);
                assertThat(stream.header("Content-Type")).startsWith("text/event-stream");
                // The answer starts at once, not with the first event or keep-alive (15 s here).
                assertThat(Duration.ofNanos(System.nanoTime() - start)).as(path).isLessThan(Duration.ofSeconds(8));
            }
        }
        try (ServerSentEvents stream = ServerSentEvents.open(port, "/api/v1/jobs/" + id + "/events", OTHER_KEY)) {
            assertThat(stream.await(Duration.ofSeconds(10), event -> true).json().get("id").asString())
                    .isEqualTo(id);
        }
    }
}
