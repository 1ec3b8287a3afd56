package io.fetchline.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.fetchline.FetchlineTest;
import io.fetchline.storage.FileNamer;
import tools.jackson.databind.JsonNode;

/** API.md's naming order end to end: fileName, Content-Disposition, submitted URL's last segment, "download". */
class NamingTests extends FetchlineTest {

    static Stream<Arguments> names() {
        return Stream.of(
                Arguments.of("fileName beats Content-Disposition", "/n1/x.bin",
                        "attachment; filename=\"cd.bin\"", "mine.bin", "mine.bin"),
                Arguments.of("filename* beats filename", "/n2/x.bin",
                        "attachment; filename=\"plain.txt\"; filename*=UTF-8''%e2%82%ac%20rates.txt", null,
                        FileNamer.forPlatform().sanitise("€ rates.txt")),
                Arguments.of("quoted filename", "/n3/x.bin", "attachment; filename=\"report 2026.pdf\"", null,
                        "report 2026.pdf"),
                Arguments.of("malformed header is ignored", "/n4/from-url.bin", "attachment; filename*=UTF-8''%zz",
                        null, "from-url.bin"),
                Arguments.of("URL segment is percent-decoded", "/n5/my%20report.pdf", null, null, "my report.pdf"),
                Arguments.of("trailing slash uses the last non-empty segment", "/n6/dir/", null, null, "dir"),
                Arguments.of("no path gives download", "/", null, null, "download"),
                Arguments.of("query is not part of the name", "/n8/file.txt?version=2", null, null, "file.txt"),
                Arguments.of("directory parts are dropped", "/n9/x.bin", "attachment; filename=\"../../etc/passwd\"",
                        null, "passwd"),
                Arguments.of("leading dots are dropped", "/n10/x.bin", null, ".hidden", "hidden"),
                Arguments.of("control characters are dropped", "/n11/x.bin", null, "a\u0001b\u007f.txt", "ab.txt"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("names")
    void namesTheFileAsApiMdSays(String rule, String path, String contentDisposition, String fileName,
            String expected) throws Exception {
        String route = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
        origin.file(route, 5, path.hashCode());
        if (contentDisposition != null) {
            origin.route(route).header("Content-Disposition", contentDisposition);
        }
        String item = fileName == null ? "{\"url\": \"%s\"}".formatted(origin.url(path))
                : "{\"url\": \"%s\", \"fileName\": \"%s\"}".formatted(origin.url(path), escape(fileName));
        String id = api.submitJson("{\"items\": [" + item + "]}");
        api.awaitState(id, "SUCCEEDED", Duration.ofSeconds(30));

        assertThat(api.item(id, 0).get("file").asString()).isEqualTo(expected);
        assertThat(Files.isRegularFile(jobFolder(id).resolve(expected))).isTrue();
    }

    @Test
    void nameComesFromTheSubmittedUrlNotTheRedirectTarget() {
        origin.file("/moved/target.bin", 7, 7);
        origin.route("/start.bin").redirect(302, "/moved/target.bin");
        String id = api.submit(List.of(origin.url("/start.bin")));
        api.awaitState(id, "SUCCEEDED", Duration.ofSeconds(30));

        assertThat(api.item(id, 0).get("file").asString()).isEqualTo("start.bin");
    }

    @Test
    void takenNamesGetNumberedAndNeverClash() {
        origin.file("/same/a.bin", 100, 1);
        origin.file("/other/a.bin", 200, 2);
        origin.file("/third/a.bin", 300, 3);
        origin.file("/plain/README", 10, 4);
        String id = api.submit(List.of(origin.url("/same/a.bin"), origin.url("/other/a.bin"),
                origin.url("/third/a.bin"), origin.url("/plain/README"), origin.url("/plain/README")));
        api.awaitState(id, "SUCCEEDED", Duration.ofSeconds(30));

        JsonNode items = api.items(id, "").get("items");
        assertThat(items.findValuesAsString("file"))
                .containsExactlyInAnyOrder("a.bin", "a-1.bin", "a-2.bin", "README", "README-1");
        assertThat(jobFolder(id).resolve("a.bin")).exists();
        assertThat(jobFolder(id).resolve("a-2.bin")).exists();
    }

    private static String escape(String text) {
        StringBuilder out = new StringBuilder();
        for (char c : text.toCharArray()) {
            out.append(c < 0x20 || c == 0x7f || c == '"' || c == '\\' ? String.format("\\u%04x", (int) c) : c);
        }
        return out.toString();
    }
}
