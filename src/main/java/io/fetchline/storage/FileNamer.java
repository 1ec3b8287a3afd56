package io.fetchline.storage;


import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Chooses the name a downloaded file gets inside its job's folder, following "Files on disk" in
 * API.md. Every name it returns is a single path element that can be created in that folder.
 *
 * <p>Stateless and safe to share between threads.
 */
public final class FileNamer {

    static final String FALLBACK_NAME = "download";

    /** NAME_MAX on Linux and most other file systems. */
    private static final int MAX_BYTES = 255;

    /** Longer "extensions" are usually not extensions ({@code report.final-version-for-...}). */
    private static final int MAX_EXTENSION_BYTES = 32;

    private static final String ILLEGAL_CHARACTERS = "<>:\"|?*";

    /** Windows opens the device instead of a file for these, whatever the extension. */
    private static final Pattern RESERVED_DEVICE_NAME =
            Pattern.compile("(?i)(CON|PRN|AUX|NUL|COM[1-9]|LPT[1-9]) *");

    private final Charset fileNameCharset;

    public FileNamer(Charset fileNameCharset) {
        this.fileNameCharset = Objects.requireNonNull(fileNameCharset, "fileNameCharset");
    }

    /**
     * A namer for the charset the JVM uses to turn file names into bytes. With a non-UTF-8
     * locale (often plain ASCII in containers) a name the charset cannot hold would make
     * {@code Path.of} throw, so such characters must be replaced up front.
     */
    public static FileNamer forPlatform() {
        return new FileNamer(platformCharset(System.getProperty("sun.jnu.encoding"), System.getProperty("file.encoding")));
    }

    /** The first usable charset among the given names, else UTF-8. */
    static Charset platformCharset(String... candidateNames) {
        for (String name : candidateNames) {
            if (name == null || name.isBlank()) {
                continue;
            }
            try {
                Charset charset = Charset.forName(name.trim());
                if (charset.canEncode()) {
                    return charset;
                }
            } catch (IllegalArgumentException e) {
                // Illegal or unsupported name: try the next candidate.
            }
        }
        return StandardCharsets.UTF_8;
    }

    /**
     * The safe base name for a download: the requested name, else the Content-Disposition
     * filename, else the last segment of the submitted URL's path, else {@value #FALLBACK_NAME}.
     * A source whose name sanitises to nothing is skipped.
     */
    public String baseName(String requestedFileName, String contentDisposition, URI submittedUrl) {
        String name = sanitise(requestedFileName);
        if (name.isEmpty()) {
            name = ContentDisposition.filename(contentDisposition).map(this::sanitise).orElse("");
        }
        if (name.isEmpty()) {
            name = lastPathSegment(submittedUrl).map(this::sanitise).orElse("");
        }
        return name.isEmpty() ? FALLBACK_NAME : name;
    }

    /**
     * A name that is a single, creatable path element, or the empty string when nothing usable
     * is left (the caller then falls back to another source).
     */
    public String sanitise(String raw) {
        if (raw == null) {
            return "";
        }
        // NFC first so that a base letter and its combining mark are judged (and encoded) as
        // the one character they display as.
        String name = Normalizer.normalize(raw, Normalizer.Form.NFC);
        name = name.substring(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
        name = trimDots(replaceUnsafeCharacters(name));
        if (name.isEmpty()) {
            return "";
        }
        if (isReservedDeviceName(name)) {
            name = "_" + name;
        }
        return fitLength(name, "");
    }

    /**
     * The {@code n}-th alternative to a taken, already sanitised name: {@code name-n.ext}, still
     * within the length limit.
     */
    public String numbered(String name, int n) {
        if (n < 1) {
            throw new IllegalArgumentException("n must be at least 1, was " + n);
        }
        return fitLength(name, "-" + n);
    }

    private String replaceUnsafeCharacters(String name) {
        // Encoders are stateful and not thread-safe, hence one per call.
        CharsetEncoder encoder = fileNameCharset.newEncoder();
        StringBuilder safe = new StringBuilder(name.length());
        name.codePoints().forEach(codePoint -> {
            if (Character.isISOControl(codePoint) || isBidiControl(codePoint)) {
                return;
            }
            // A code point, not a char: a surrogate pair is one character that the charset
            // either can or cannot encode, and a lone surrogate can never be encoded.
            boolean encodable = encoder.canEncode(new String(Character.toChars(codePoint)));
            if (!encodable || ILLEGAL_CHARACTERS.indexOf(codePoint) >= 0) {
                safe.append('_');
            } else {
                safe.appendCodePoint(codePoint);
            }
        });
        return safe.toString();
    }

    /** Bidi overrides let "invoice" + U+202E + "fdp.exe" display as "invoiceexe.pdf". */
    private static boolean isBidiControl(int codePoint) {
        return codePoint == 0x061C
                || codePoint == 0x200E || codePoint == 0x200F
                || (codePoint >= 0x202A && codePoint <= 0x202E)
                || (codePoint >= 0x2066 && codePoint <= 0x2069);
    }

    /**
     * Leading dots would hide the file (or make it {@code .} / {@code ..}); Windows silently
     * drops trailing dots and spaces, so two different names could become the same file.
     */
    private static String trimDots(String name) {
        int start = 0;
        while (start < name.length() && name.charAt(start) == '.') {
            start++;
        }
        return trimTrailingDotsAndSpaces(name.substring(start));
    }

    private static String trimTrailingDotsAndSpaces(String name) {
        int end = name.length();
        while (end > 0 && (name.charAt(end - 1) == '.' || name.charAt(end - 1) == ' ')) {
            end--;
        }
        return name.substring(0, end);
    }

    private static boolean isReservedDeviceName(String name) {
        int dot = name.indexOf('.');
        return RESERVED_DEVICE_NAME.matcher(dot < 0 ? name : name.substring(0, dot)).matches();
    }

    /**
     * {@code stem + suffix + extension} within {@link #MAX_BYTES} in both UTF-8 and the file
     * name charset, shortening the stem at a code point boundary if needed.
     */
    private String fitLength(String name, String suffix) {
        int dot = name.lastIndexOf('.');
        String extension = dot > 0 && utf8Length(name.substring(dot)) <= MAX_EXTENSION_BYTES ? name.substring(dot) : "";
        String stem = name.substring(0, name.length() - extension.length());
        String tail = suffix + extension;
        int utf8Budget = MAX_BYTES - utf8Length(tail);
        int platformBudget = MAX_BYTES - platformLength(tail);
        int end = 0;
        int utf8Used = 0;
        int platformUsed = 0;
        while (end < stem.length()) {
            int codePoint = stem.codePointAt(end);
            String character = new String(Character.toChars(codePoint));
            utf8Used += utf8Length(character);
            platformUsed += platformLength(character);
            if (utf8Used > utf8Budget || platformUsed > platformBudget) {
                break;
            }
            end += Character.charCount(codePoint);
        }
        if (end == stem.length()) {
            return stem + tail;
        }
        String shortened = stem.substring(0, end);
        // Cutting may expose dots or spaces that would now end the name.
        return tail.isEmpty() ? trimTrailingDotsAndSpaces(shortened) : shortened + tail;
    }

    private static int utf8Length(String text) {
        return text.getBytes(StandardCharsets.UTF_8).length;
    }

    private int platformLength(String text) {
        return fileNameCharset.encode(CharBuffer.wrap(text)).remaining();
    }

    /**
     * The last non-empty segment of the URL's raw path, percent-decoded. Working on the raw path
     * keeps an encoded {@code %2F} inside its segment; the decoded slash is part of the name, not
     * a directory, so it becomes {@code _} instead of cutting the name.
     */
    private static Optional<String> lastPathSegment(URI url) {
        if (url == null || url.getRawPath() == null) {
            return Optional.empty();
        }
        String[] segments = url.getRawPath().split("/");
        for (int i = segments.length - 1; i >= 0; i--) {
            if (!segments[i].isEmpty()) {
                return Optional.of(percentDecode(segments[i]).replace('/', '_').replace('\\', '_'));
            }
        }
        return Optional.empty();
    }

    /** UTF-8 percent-decoding; a segment that is not validly encoded is kept as written. */
    private static String percentDecode(String segment) {
        if (segment.indexOf('%') < 0) {
            return segment;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(segment.length());
        int position = 0;
        while (position < segment.length()) {
            int percent = segment.indexOf('%', position);
            int literalEnd = percent < 0 ? segment.length() : percent;
            // java.net.URI allows raw non-ASCII characters in a path, so copy them as UTF-8.
            bytes.writeBytes(segment.substring(position, literalEnd).getBytes(StandardCharsets.UTF_8));
            if (percent < 0) {
                break;
            }
            int high = percent + 2 < segment.length() ? Character.digit(segment.charAt(percent + 1), 16) : -1;
            int low = percent + 2 < segment.length() ? Character.digit(segment.charAt(percent + 2), 16) : -1;
            if (high < 0 || low < 0) {
                return segment;
            }
            bytes.write(high << 4 | low);
            position = percent + 3;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes.toByteArray()))
                    .toString();
        } catch (CharacterCodingException e) {
            return segment;
        }
    }
}
