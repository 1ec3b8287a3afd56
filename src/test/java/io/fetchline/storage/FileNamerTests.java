package io.fetchline.storage;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class FileNamerTests {

    private static final FileNamer UTF8 = new FileNamer(StandardCharsets.UTF_8);
    private static final FileNamer ASCII = new FileNamer(StandardCharsets.US_ASCII);

    static Stream<Arguments> baseNames() {
        return Stream.of(
                arguments("mine.bin", "attachment; filename=server.bin", "https://host/url.bin", "mine.bin"),
                arguments("  ", "attachment; filename=server.bin", "https://host/url.bin", "server.bin"),
                arguments(null, "attachment; filename=\"EURO rates.txt\"; filename*=UTF-8''%e2%82%ac%20rates.txt",
                        "https://host/url.bin", "€ rates.txt"),
                arguments(null, "attachment; filename=\"broken.txt", "https://host/url.bin", "url.bin"),
                arguments(null, "attachment; filename*=UTF-8''%zz", "https://host/url.bin", "url.bin"),
                arguments(null, null, "https://host/files/%e2%82%ac%20rates.txt", "€ rates.txt"),
                arguments(null, null, "https://host/files/report.pdf/", "report.pdf"),
                arguments(null, null, "https://host/a//b.iso//", "b.iso"),
                arguments(null, null, "https://host/get/data.csv?id=7&name=other.txt#frag", "data.csv"),
                arguments(null, null, "https://host/", "download"),
                arguments(null, null, "https://host", "download"),
                arguments(null, null, "https://host/?file=x.txt", "download"),
                arguments(null, null, "https://host/dir/a%2Fb.txt", "a_b.txt"),
                arguments(null, null, "https://host/dir/a%5Cb.txt", "a_b.txt"),
                arguments(null, null, "https://host/dir/100%25.txt", "100%.txt"),
                // java.net.URI rejects malformed escapes, so only invalid UTF-8 can reach the namer
                arguments(null, null, "https://host/dir/%ff.txt", "%ff.txt"),
                arguments(null, null, "https://host/dir/%e2%82.txt", "%e2%82.txt"),
                arguments(null, null, "https://host/dir/..%2F..%2Fetc%2Fpasswd", "_.._etc_passwd"),
                arguments(null, null, "https://host/dir/%2e%2e", "download"),
                arguments(null, null, "https://host/dir/%00", "download"),
                // an unusable name moves on to the next source
                arguments("..", "attachment; filename=\"...\"", "https://host/url.bin", "url.bin"),
                arguments("\u0000", null, "https://host/", "download"),
                arguments("dir/", "attachment; filename=cd.txt", null, "cd.txt"),
                arguments(null, null, null, "download"),
                arguments(null, null, "mailto:someone@example.org", "download"));
    }

    @ParameterizedTest(name = "[{index}] {0} | {1} | {2} -> {3}")
    @MethodSource("baseNames")
    void choosesTheBaseName(String requested, String contentDisposition, String url, String expected) {
        assertThat(UTF8.baseName(requested, contentDisposition, url == null ? null : URI.create(url))).isEqualTo(expected);
    }

    static Stream<Arguments> sanitised() {
        return Stream.of(
                arguments("report.pdf", "report.pdf"),
                arguments("€ rates.txt", "€ rates.txt"),
                arguments("../../etc/passwd", "passwd"),
                arguments("..\\..\\win.ini", "win.ini"),
                arguments("C:\\Windows\\x", "x"),
                arguments("C:name.txt", "C_name.txt"),
                arguments("a<b>c:d\"e|f?g*h.txt", "a_b_c_d_e_f_g_h.txt"),
                arguments("tab\there\nnew\rline.txt", "tabherenewline.txt"),
                arguments("nul\u0000in\u0000middle.txt", "nulinmiddle.txt"),
                arguments("del\u007fc1\u0085\u009f.txt", "delc1.txt"),
                arguments(".hidden", "hidden"),
                arguments("...dots.txt", "dots.txt"),
                arguments("trailing. . .", "trailing"),
                arguments("trailing space.txt  ", "trailing space.txt"),
                arguments(" leading space.txt", " leading space.txt"),
                arguments(".", ""),
                arguments("..", ""),
                arguments("...", ""),
                arguments(". .", ""),
                arguments("", ""),
                arguments(null, ""),
                arguments("/", ""),
                arguments("CON", "_CON"),
                arguments("con.txt", "_con.txt"),
                arguments("nul.tar.gz", "_nul.tar.gz"),
                arguments("Com1", "_Com1"),
                arguments("LPT9.log", "_LPT9.log"),
                arguments("AUX .txt", "_AUX .txt"),
                arguments("CONSOLE.txt", "CONSOLE.txt"),
                arguments("COM10", "COM10"),
                arguments("LPT0", "LPT0"),
                arguments("e\u0301t\u00e9.txt", "\u00e9t\u00e9.txt"),
                arguments("\uFF0Fetc\uFF0Fpasswd", "\uFF0Fetc\uFF0Fpasswd"),
                arguments("invoice\u202Efdp.exe", "invoicefdp.exe"),
                arguments("lone\uD800surrogate.txt", "lone_surrogate.txt"),
                arguments("swapped\uDC00\uD800.txt", "swapped__.txt"),
                arguments("emoji\uD83D\uDE00.png", "emoji\uD83D\uDE00.png"));
    }

    @ParameterizedTest(name = "[{index}] {0} -> {1}")
    @MethodSource("sanitised")
    void sanitises(String raw, String expected) {
        assertThat(UTF8.sanitise(raw)).isEqualTo(expected);
    }

    static Stream<Arguments> sanitisedForAscii() {
        return Stream.of(
                arguments("€ rates.txt", "_ rates.txt"),
                arguments("plain.txt", "plain.txt"),
                arguments("emoji\uD83D\uDE00.png", "emoji_.png"),
                arguments("e\u0301t\u00e9.txt", "_t_.txt"),
                arguments("\u00e4\u00f6\u00fc", "___"),
                arguments("lone\uD800surrogate.txt", "lone_surrogate.txt"),
                arguments("\uFF0Fetc\uFF0Fpasswd", "_etc_passwd"));
    }

    @ParameterizedTest(name = "[{index}] {0} -> {1}")
    @MethodSource("sanitisedForAscii")
    void replacesWhatAnAsciiPlatformCannotEncode(String raw, String expected) {
        assertThat(ASCII.sanitise(raw)).isEqualTo(expected);
    }

    static Stream<Arguments> numberedNames() {
        return Stream.of(
                arguments("report.pdf", 1, "report-1.pdf"),
                arguments("report.pdf", 2, "report-2.pdf"),
                arguments("report.pdf", 123, "report-123.pdf"),
                arguments("archive.tar.gz", 1, "archive.tar-1.gz"),
                arguments("README", 1, "README-1"),
                arguments("€ rates.txt", 3, "€ rates-3.txt"),
                arguments("v1.0.note-with-a-very-long-pseudo-extension", 1, "v1.0.note-with-a-very-long-pseudo-extension-1"),
                arguments("a".repeat(251) + ".txt", 1, "a".repeat(249) + "-1.txt"),
                arguments("a".repeat(255), 10, "a".repeat(252) + "-10"),
                arguments("€".repeat(83) + ".txt", 1, "€".repeat(83) + "-1.txt"),
                arguments("€".repeat(83) + ".txt", 10, "€".repeat(82) + "-10.txt"));
    }

    @ParameterizedTest(name = "[{index}] {0} #{1}")
    @MethodSource("numberedNames")
    void numbersTakenNames(String name, int n, String expected) {
        assertThat(UTF8.numbered(name, n)).isEqualTo(expected);
        assertThat(utf8Length(UTF8.numbered(name, n))).isLessThanOrEqualTo(255);
    }

    @Test
    void refusesNumbersBelowOne() {
        assertThatIllegalArgumentException().isThrownBy(() -> UTF8.numbered("a.txt", 0));
    }

    @Test
    void cutsLongAsciiNamesTo255BytesKeepingTheExtension() {
        assertThat(UTF8.sanitise("a".repeat(300))).isEqualTo("a".repeat(255));
        assertThat(UTF8.sanitise("a".repeat(300) + ".tar.gz")).isEqualTo("a".repeat(252) + ".gz");
        assertThat(UTF8.sanitise("b".repeat(300) + ".txt")).isEqualTo("b".repeat(251) + ".txt");
    }

    @Test
    void dropsAnExtensionTooLongToBeOne() {
        String name = "a." + "b".repeat(300);
        assertThat(UTF8.sanitise(name)).isEqualTo(name.substring(0, 255));
    }

    @Test
    void cutsMultibyteNamesOnCodePointBoundaries() {
        // 3 bytes each: 83 of them plus ".txt" is 253 bytes; one more would be 256.
        assertThat(UTF8.sanitise("€".repeat(100) + ".txt")).isEqualTo("€".repeat(83) + ".txt");
        // 4 bytes and two chars each: a cut inside a pair would leave a lone surrogate.
        String emoji = "\uD83D\uDE00";
        assertThat(UTF8.sanitise(emoji.repeat(100) + ".png")).isEqualTo(emoji.repeat(62) + ".png");
        assertThat(UTF8.sanitise(emoji.repeat(100))).isEqualTo(emoji.repeat(63));
        // 2 bytes: 127 of them is 254 bytes.
        assertThat(UTF8.sanitise("é".repeat(200))).isEqualTo("é".repeat(127));
        String mixed = ("x€" + emoji + "é").repeat(40) + ".dat";
        String cut = UTF8.sanitise(mixed);
        assertThat(utf8Length(cut)).isBetween(252, 255);
        assertThat(cut).endsWith(".dat");
        assertThat(new String(cut.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8)).isEqualTo(cut);
    }

    @Test
    void alsoFitsThePlatformCharset() {
        // U+00A2 is 2 bytes in UTF-8 but 4 in GB18030, so the platform charset is the limit.
        Charset gb18030 = Charset.forName("GB18030");
        String name = new FileNamer(gb18030).sanitise("\u00a2".repeat(200) + ".txt");
        assertThat(name).isEqualTo("\u00a2".repeat(62) + ".txt");
        assertThat(name.getBytes(gb18030)).hasSizeLessThanOrEqualTo(255);
    }

    @Test
    void trimsDotsAndSpacesExposedByTheCut() {
        assertThat(UTF8.sanitise("a".repeat(253) + " .b" + "c".repeat(40))).isEqualTo("a".repeat(253));
    }

    static Stream<Arguments> platformCharsets() {
        return Stream.of(
                arguments("ANSI_X3.4-1968", null, StandardCharsets.US_ASCII),
                arguments("UTF-8", "ISO-8859-1", StandardCharsets.UTF_8),
                arguments(null, "ISO-8859-1", StandardCharsets.ISO_8859_1),
                arguments("", "  ", StandardCharsets.UTF_8),
                arguments("no-such-charset", null, StandardCharsets.UTF_8),
                arguments("not a legal name!", "US-ASCII", StandardCharsets.US_ASCII),
                arguments(null, null, StandardCharsets.UTF_8));
    }

    @ParameterizedTest(name = "[{index}] {0}, {1} -> {2}")
    @MethodSource("platformCharsets")
    void findsThePlatformCharset(String jnuEncoding, String fileEncoding, Charset expected) {
        assertThat(FileNamer.platformCharset(jnuEncoding, fileEncoding)).isEqualTo(expected);
    }

    private static final List<String> HOSTILE_NAMES = List.of(
            "../../etc/passwd",
            "..\\..\\win.ini",
            "/etc/passwd",
            "C:\\Windows\\x",
            "\\\\server\\share\\x",
            "\u0000",
            "evil\u0000.txt",
            "a\u0000/../b",
            "\n",
            "line\nbreak\r.txt",
            "..",
            "...",
            ".",
            ".hidden",
            "./",
            "../",
            "foo/..",
            "foo/.",
            "CON",
            "nul.txt",
            "com1",
            "LPT1.tar.gz",
            "aux  ",
            "a".repeat(10_000),
            "€".repeat(1_000) + ".txt",
            "\uD83D\uDE00".repeat(500),
            "x." + "y".repeat(1_000),
            "../".repeat(200) + "etc/passwd",
            "../../",          // "%2e%2e%2f%2e%2e%2f" after decoding
            "..%2f..%2fetc",   // decoded only once
            "\uFF0E\uFF0E\uFF0Fetc\uFF0Fpasswd",
            "..\u2215..\u2215etc",
            "file\u202Etxt.exe",
            "e\u0301\u0301\u0301",
            "\u0301",
            "\uD800",
            "\uDC00x",
            "name\u0085next\u009b.txt",
            "\u007f",
            "<>:\"|?*",
            "?",
            "*.*",
            " ",
            " . . ",
            "~",
            "-rf",
            "$(reboot)",
            "\u200B",
            "\uFEFFbom.txt",
            "name.txt:stream",
            "dir/sub/\u0000",
            "\t\t");

    static Stream<Arguments> hostileNames() {
        return HOSTILE_NAMES.stream().flatMap(name -> Stream.of(
                arguments(FileNamer.forPlatform(), "platform", name),
                arguments(ASCII, "ASCII", name)));
    }

    @ParameterizedTest(name = "[{index}] {1}: {2}")
    @MethodSource("hostileNames")
    void hostileNamesStayInsideTheJobFolder(FileNamer namer, String charsetLabel, String hostile, @TempDir Path folder)
            throws IOException {
        String name = namer.baseName(hostile, null, URI.create("https://host/"));

        assertThat(name).isNotEmpty().doesNotContain("/", "\\", "\u0000").isEqualTo(namer.sanitise(name));
        assertThat(name.codePoints()).noneMatch(Character::isISOControl);
        assertThat(name).doesNotStartWith(".");
        assertThat(utf8Length(name)).isLessThanOrEqualTo(255);
        Path resolved = folder.resolve(name).normalize();
        assertThat(resolved.getParent()).isEqualTo(folder);
        Path created = Files.createFile(resolved);
        assertThat(created.toRealPath().getParent()).isEqualTo(folder.toRealPath());
    }

    @Test
    void hostileListIsLongEnough() {
        assertThat(HOSTILE_NAMES).hasSizeGreaterThanOrEqualTo(40).doesNotHaveDuplicates();
    }

    private static int utf8Length(String text) {
        return text.getBytes(StandardCharsets.UTF_8).length;
    }
}
