package io.fetchline.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

import io.fetchline.FetchlineTest;
import io.fetchline.origin.TestOrigin;

/** With {@code fetchline.storage.direct-io=false} every byte goes through the page cache. */
@TestPropertySource(properties = "fetchline.storage.direct-io=false")
class PageCacheWriteTests extends FetchlineTest {

    @Test
    void directIoOffWritesBulkChunksThroughTheCache() throws IOException {
        byte[] data = origin.file("/cached/bulk.bin", 2 * 1024 * 1024 + 7, 23);
        double cached = api.metric(DirectWriteTests.CACHED);

        String job = api.submit(List.of(origin.url("/cached/bulk.bin")));

        api.awaitState(job, "SUCCEEDED", Duration.ofSeconds(30));
        assertThat(api.item(job, 0).get("sha256").asString()).isEqualTo(TestOrigin.sha256(data));
        assertThat(Files.readAllBytes(jobFolder(job).resolve("bulk.bin"))).isEqualTo(data);
        assertThat(api.metric(DirectWriteTests.DIRECT)).isZero();
        assertThat(api.metric(DirectWriteTests.CACHED) - cached).isGreaterThanOrEqualTo(data.length);
    }
}
