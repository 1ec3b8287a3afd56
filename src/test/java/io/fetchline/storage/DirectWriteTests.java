package io.fetchline.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.fetchline.FetchlineTest;
import io.fetchline.origin.TestOrigin;
import tools.jackson.databind.JsonNode;

/**
 * Bulk chunks are written with O_DIRECT and everything else through the page cache, in the same file: whatever
 * mix a download makes, the file holds exactly the origin's bytes.
 */
class DirectWriteTests extends FetchlineTest {

    static final String DIRECT = "fetchline_storage_written_bytes_total{io=\"direct\"}";
    static final String CACHED = "fetchline_storage_written_bytes_total{io=\"page-cache\"}";

    @Test
    void bulkChunksGoPastThePageCacheAndTheTailThroughIt() throws IOException {
        // Twelve whole 256 KiB chunks, then a tail of 1,000 bytes that O_DIRECT cannot take.
        byte[] data = origin.file("/direct/bulk.bin", 3 * 1024 * 1024 + 1000, 21);
        double direct = api.metric(DIRECT);
        double cached = api.metric(CACHED);

        String job = api.submit(List.of(origin.url("/direct/bulk.bin")));

        assertStored(job, "bulk.bin", data);
        assertThat(api.metric(DIRECT) - direct).isGreaterThanOrEqualTo(3 * 1024 * 1024);
        assertThat(api.metric(CACHED) - cached).isGreaterThanOrEqualTo(1000);
    }

    @Test
    void aFileResumedAtAnUnalignedByteIsStoredWhole() throws IOException {
        // The first attempt stores one whole chunk directly and the rest of its bytes through the cache; the
        // second continues from byte 300,001, where no write is block-aligned.
        byte[] data = origin.file("/direct/resumed.bin", 2 * 1024 * 1024, 22);
        origin.route("/direct/resumed.bin").truncateAfter(300_001).truncateTimes(1);
        double direct = api.metric(DIRECT);
        double cached = api.metric(CACHED);

        String job = api.submit(List.of(origin.url("/direct/resumed.bin")));

        assertStored(job, "resumed.bin", data);
        assertThat(origin.requests("/direct/resumed.bin")).extracting(r -> r.header("Range"))
                .containsExactly(null, "bytes=300001-");
        assertThat(api.metric(DIRECT) - direct).isGreaterThanOrEqualTo(256 * 1024);
        assertThat(api.metric(CACHED) - cached).isGreaterThanOrEqualTo(data.length - 300_001);
    }

    private void assertStored(String job, String name, byte[] data) throws IOException {
        api.awaitState(job, "SUCCEEDED", Duration.ofSeconds(30));
        JsonNode item = api.item(job, 0);
        assertThat(item.get("sha256").asString()).isEqualTo(TestOrigin.sha256(data));
        assertThat(Files.readAllBytes(jobFolder(job).resolve(name))).isEqualTo(data);
        assertThat(jobFolder(job).resolve(name + Storage.PART)).doesNotExist();
    }
}
