package io.fetchline.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import io.fetchline.origin.TestOrigin;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Names chosen by the submitter or by the origin cannot place a file anywhere but directly in its job's folder.
 * Each hostile name carries a marker unique to this run, so a file that escaped is found wherever it landed.
 */
class HostileNamesTests extends KeyedFetchlineTest {

    private static final String M = "fl-escape-" + UUID.randomUUID().toString().substring(0, 8);

    /** Requested as the item's {@code fileName}. */
    static final List<String> FILE_NAMES = List.of(
            "../../etc/passwd",
            "../../../../../../../../../../etc/" + M,
            "/etc/" + M,
            "/tmp/" + M,
            "../" + M,
            "../../" + M,
            "../../../" + M,
            "./../" + M,
            "foo/../../" + M,
            "dir/sub/" + M + ".txt",
            "..\\..\\" + M + ".ini",
            "C:\\Windows\\System32\\" + M + ".dll",
            "C:" + M + ".txt",
            "\\\\server\\share\\" + M,
            "//" + M,
            "~/" + M,
            "$HOME/" + M,
            "%2e%2e%2f" + M,
            "..%2F..%2F" + M,
            "..",
            ".",
            "...",
            "/",
            "\\",
            "../",
            "..\\",
            M + "/",
            M + "\u0000/../x",
            M + "\n../../x",
            "\u202e" + M + "txt.exe",
            "." + M,
            "....//" + M,
            "\uff0e\uff0e\uff0f" + M,
            "\u2215\u2215" + M,
            M + ":stream",
            "*?<>|" + M,
            "CON",
            "nul.txt",
            M + "-" + "a".repeat(300) + ".txt",
            "€".repeat(100) + "/../" + M);

    /** Sent by the origin as Content-Disposition, for items that request no name. */
    static final List<String> CONTENT_DISPOSITIONS = List.of(
            "attachment; filename=\"../../" + M + "-cd\"",
            "attachment; filename*=UTF-8''..%2F..%2F" + M + "-cd",
            "attachment; filename=\"/etc/" + M + "-cd\"",
            "attachment; filename=\"..\\\\..\\\\" + M + "-cd\"",
            "attachment; filename=\"..\"",
            "attachment; filename*=UTF-8''%2e%2e",
            "attachment; filename*=UTF-8''%00" + M,
            "inline; filename*=UTF-8''..%5C..%5C" + M + "; filename=\"C:\\\\" + M + "\"");

    @Test
    void everyFileLandsDirectlyInItsJobFolder() throws IOException {
        Path downloads = HOME.resolve("downloads");
        Set<Path> before = tree(downloads);
        List<Map<String, String>> items = new ArrayList<>();
        Map<Integer, byte[]> contents = new LinkedHashMap<>();
        for (int i = 0; i < FILE_NAMES.size(); i++) {
            contents.put(items.size(), origin.file("/names/" + i, 100 + i, i));
            items.add(Map.of("url", origin.url("/names/" + i), "fileName", FILE_NAMES.get(i)));
        }
        for (int i = 0; i < CONTENT_DISPOSITIONS.size(); i++) {
            contents.put(items.size(), origin.file("/disposition/" + i, 200 + i, 1000 + i));
            origin.route("/disposition/" + i).header("Content-Disposition", CONTENT_DISPOSITIONS.get(i));
            items.add(Map.of("url", origin.url("/disposition/" + i)));
        }

        String id = api.submitJson(JsonMapper.builder().build().writeValueAsString(Map.of("items", items)));

        api.awaitState(id, "SUCCEEDED", Duration.ofSeconds(60));
        Path folder = jobFolder(id).toAbsolutePath().normalize();
        JsonNode results = api.items(id, "?limit=1000").get("items");
        assertThat(results).hasSize(items.size());
        Set<String> names = new HashSet<>();
        for (JsonNode item : results) {
            String file = item.get("file").asString();
            assertThat(file).as(item.toString()).doesNotContain("/", "\\", "\u0000").isNotIn(".", "..");
            Path path = folder.resolve(file).normalize();
            assertThat(path.getParent()).isEqualTo(folder);
            assertThat(path).isRegularFile();
            assertThat(TestOrigin.sha256(Files.readAllBytes(path)))
                    .isEqualTo(TestOrigin.sha256(contents.get(item.get("index").asInt())));
            names.add(file);
        }
        assertThat(names).hasSize(items.size());
        try (Stream<Path> inFolder = Files.list(folder)) {
            assertThat(inFolder).hasSize(items.size()).allSatisfy(path -> assertThat(path).isRegularFile());
        }
        Set<Path> added = tree(downloads);
        added.removeAll(before);
        assertThat(added).allSatisfy(path -> assertThat(path.equals(folder) || folder.equals(path.getParent()))
                .as("%s is outside %s", path, folder).isTrue());
        assertThat(tree(HOME)).filteredOn(HostileNamesTests::isMarked)
                .allSatisfy(path -> assertThat(path.getParent()).isEqualTo(folder));
        for (String place : List.of(System.getProperty("java.io.tmpdir"), "/tmp", "/etc", "/",
                System.getProperty("user.home"), System.getProperty("user.dir"))) {
            assertThat(markedIn(Path.of(place))).as(place).isEmpty();
        }
    }

    private static Set<Path> tree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            return new HashSet<>(paths.map(path -> path.toAbsolutePath().normalize()).toList());
        }
    }

    private static boolean isMarked(Path path) {
        return path.getFileName() != null && path.getFileName().toString().contains(M);
    }

    /** Entries of a directory that carry this run's marker; names only, since other processes change these. */
    private static List<Path> markedIn(Path directory) {
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.filter(HostileNamesTests::isMarked).toList();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }
}
