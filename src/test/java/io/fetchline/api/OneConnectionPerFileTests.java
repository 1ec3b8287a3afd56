package io.fetchline.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

import io.fetchline.FetchlineTest;
import io.fetchline.origin.TestOrigin;

/** {@code fetchline.fetch.segments=1} turns segmented downloads off: a large file comes over one connection. */
@TestPropertySource(properties = {
        "fetchline.fetch.segments=1",
        "fetchline.fetch.segment-min-size=1MB"})
class OneConnectionPerFileTests extends FetchlineTest {

    @Test
    void oneSegmentMeansOneConnectionPerFile() {
        byte[] content = origin.file("/one/large.bin", 3 * 1024 * 1024, 1);
        origin.route("/one/large.bin").bytesPerSecond(4 * 1024 * 1024);

        String id = api.submit(List.of(origin.url("/one/large.bin")));
        api.awaitState(id, "SUCCEEDED", Duration.ofSeconds(60));

        assertThat(api.item(id, 0).get("sha256").asString()).isEqualTo(TestOrigin.sha256(content));
        assertThat(origin.requestCount("/one/large.bin")).isEqualTo(1);
        assertThat(origin.requests("/one/large.bin").get(0).header("Range")).isNull();
    }
}
