package io.fetchline.durability;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import io.fetchline.FetchlineTest;
import io.fetchline.job.Item;
import io.fetchline.job.ItemState;
import io.fetchline.job.JobStore;
import io.fetchline.origin.TestOrigin;
import io.fetchline.pipeline.Pipeline;
import io.fetchline.pipeline.Recovery;
import tools.jackson.databind.JsonNode;

/**
 * What a start finds on disk and in the store after a crash, set up exactly: the pipeline is stopped, the job
 * stored and its files and records arranged as a crash at that moment leaves them, then the pipeline starts.
 */
class RecoveryTests extends FetchlineTest {

    private static final Duration FINISH = Duration.ofSeconds(30);

    @Autowired
    Pipeline pipeline;

    @Autowired
    JobStore store;

    @BeforeEach
    void stopPipeline() {
        pipeline.stop();
    }

    @Autowired
    Recovery recovery;

    /** What a start after a crash does: recovery, then the pipeline. */
    private void restart() {
        recovery.reconcile();
        pipeline.start();
    }

    @AfterEach
    void startPipeline() {
        if (!pipeline.isRunning()) {
            pipeline.start();
        }
    }

    @Test
    void aFileRenamedIntoPlaceButNotRecordedIsRecognisedNotFetchedAgain() throws IOException {
        byte[] content = origin.file("/recognise/done.bin", 50_000, 1);
        String id = api.submit(List.of(origin.url("/recognise/done.bin")));
        nameRecorded(id, "done.bin");
        Files.createDirectories(jobFolder(id));
        Files.write(jobFolder(id).resolve("done.bin"), content);

        restart();

        api.awaitState(id, "SUCCEEDED", FINISH);
        JsonNode item = api.item(id, 0);
        assertThat(item.get("sha256").asString()).isEqualTo(TestOrigin.sha256(content));
        assertThat(item.get("bytes").asLong()).isEqualTo(content.length);
        assertThat(item.get("size").asLong()).isEqualTo(content.length);
        assertThat(origin.requestCount("/recognise/done.bin")).isZero();
        assertThat(files(jobFolder(id))).containsExactly("done.bin");
    }

    @Test
    void aFinishedFileThatNoLongerMatchesIsFetchedAgainUnderItsOwnName() throws IOException {
        byte[] content = origin.file("/recognise/changed.bin", 40_000, 2);
        String id = api.submitJson("{\"items\": [{\"url\": \"" + origin.url("/recognise/changed.bin")
                + "\", \"sha256\": \"" + TestOrigin.sha256(content) + "\"}]}");
        nameRecorded(id, "changed.bin");
        Files.createDirectories(jobFolder(id));
        Files.write(jobFolder(id).resolve("changed.bin"), TestOrigin.randomBytes(40_000, 99));

        restart();

        api.awaitState(id, "SUCCEEDED", FINISH);
        assertThat(TestOrigin.sha256(Files.readAllBytes(jobFolder(id).resolve("changed.bin"))))
                .isEqualTo(TestOrigin.sha256(content));
        assertThat(files(jobFolder(id))).containsExactly("changed.bin");
    }

    @Test
    void partFilesNoItemOwnsAreRemovedAndTheirNamesReused() throws IOException {
        byte[] content = origin.file("/leftover/named.bin", 30_000, 3);
        String id = api.submit(List.of(origin.url("/leftover/named.bin")));
        // Reserved just before the crash, before the name reached the store: nobody owns it.
        Files.createDirectories(jobFolder(id));
        Files.write(jobFolder(id).resolve("named.bin.part"), new byte[1000]);
        Files.write(jobFolder(id).resolve("stray.bin.part"), new byte[10]);
        Path finishedJob = Files.createDirectories(jobFolder(UUID.randomUUID().toString()));
        Files.write(finishedJob.resolve("cancelled.bin.part"), new byte[10]);
        Files.write(finishedJob.resolve("kept.bin"), new byte[10]);

        restart();

        api.awaitState(id, "SUCCEEDED", FINISH);
        assertThat(files(jobFolder(id))).containsExactly("named.bin");
        assertThat(TestOrigin.sha256(Files.readAllBytes(jobFolder(id).resolve("named.bin"))))
                .isEqualTo(TestOrigin.sha256(content));
        assertThat(files(finishedJob)).containsExactly("kept.bin");
    }

    @Test
    void aPartFileResumesFromTheBytesRecordedAsStoredNotFromItsEnd() throws IOException {
        byte[] content = origin.file("/trim/holey.bin", 200_000, 4);
        String id = api.submit(List.of(origin.url("/trim/holey.bin")));
        // 100,000 bytes recorded as stored without a gap; past them a parallel write landed, the one before it not.
        record(id, 0, ItemState.ACTIVE, "holey.bin", 100_000, null);
        byte[] part = Arrays.copyOf(content, 150_000);
        Arrays.fill(part, 100_000, 120_000, (byte) 0);
        Files.write(jobFolder(id).resolve("holey.bin.part"), part);

        restart();

        api.awaitState(id, "SUCCEEDED", FINISH);
        assertThat(TestOrigin.sha256(Files.readAllBytes(jobFolder(id).resolve("holey.bin"))))
                .isEqualTo(TestOrigin.sha256(content));
        assertThat(origin.requests("/trim/holey.bin")).extracting(r -> r.header("Range"))
                .containsExactly("bytes=100000-");
    }

    @Test
    void aJobWhoseLastItemWasRecordedJustBeforeTheCrashFinishesAtStart() throws IOException {
        byte[] content = origin.file("/finish/last.bin", 1000, 5);
        String id = api.submit(List.of(origin.url("/finish/last.bin")));
        Files.createDirectories(jobFolder(id));
        Files.write(jobFolder(id).resolve("last.bin"), content);
        record(id, 0, ItemState.SUCCEEDED, "last.bin", content.length, TestOrigin.sha256(content));

        restart();

        api.awaitState(id, "SUCCEEDED", FINISH);
        assertThat(origin.requestCount("/finish/last.bin")).isZero();
    }

    @Test
    void cancelRemovesThePartFilesOfItemsThatAreNotRunningAndRetryFetchesThemAgain() throws IOException {
        byte[] first = origin.file("/cancel/first.bin", 60_000, 6);
        byte[] second = origin.file("/cancel/second.bin", 60_000, 7);
        String id = api.submit(List.of(origin.url("/cancel/first.bin"), origin.url("/cancel/second.bin")));
        record(id, 0, ItemState.QUEUED, "first.bin", 20_000, null);
        Files.write(jobFolder(id).resolve("first.bin.part"), Arrays.copyOf(first, 20_000));

        assertThat(api.delete("/api/v1/jobs/" + id).status()).isEqualTo(202);
        assertThat(files(jobFolder(id))).isEmpty();
        restart();
        assertThat(api.job(id).get("state").asString()).isEqualTo("CANCELLED");

        assertThat(api.post("/api/v1/jobs/" + id + "/retry", "text/plain", "", Map.of()).status()).isEqualTo(202);
        api.awaitState(id, "SUCCEEDED", FINISH);
        assertThat(files(jobFolder(id))).containsExactly("first.bin", "second.bin");
        assertThat(TestOrigin.sha256(Files.readAllBytes(jobFolder(id).resolve("first.bin"))))
                .isEqualTo(TestOrigin.sha256(first));
        assertThat(TestOrigin.sha256(Files.readAllBytes(jobFolder(id).resolve("second.bin"))))
                .isEqualTo(TestOrigin.sha256(second));
    }

    /** Records an item as the progress recorder would have before the crash, and reserves its name on disk. */
    private void record(String id, int index, ItemState state, String file, long bytes, String sha256)
            throws IOException {
        Item item = store.findItem(UUID.fromString(id), index).orElseThrow();
        Instant now = Instant.now();
        store.recordItems(List.of(new Item(item.jobId(), index, item.url(), item.requestedName(),
                item.expectedSha256(), state, file, bytes, state == ItemState.SUCCEEDED ? bytes : null, sha256,
                200, 1, null, null, now, state.isTerminal() ? now : null)));
        Files.createDirectories(jobFolder(id));
    }

    private static List<String> files(Path folder) throws IOException {
        List<String> names = new ArrayList<>();
        if (Files.isDirectory(folder)) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(folder)) {
                files.forEach(file -> names.add(file.getFileName().toString()));
            }
        }
        names.sort(null);
        return names;
    }

    /** What the pipeline's first progress write leaves in the store: the item active, under its file name. */
    private void nameRecorded(String id, String file) {
        Item item = store.findItem(UUID.fromString(id), 0).orElseThrow();
        store.recordItems(List.of(new Item(item.jobId(), item.index(), item.url(), item.requestedName(),
                item.expectedSha256(), ItemState.ACTIVE, file, 0, null, null, null, 1, null, null, Instant.now(),
                null)));
    }
}
