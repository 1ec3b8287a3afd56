package io.fetchline.storage;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;

/**
 * Reads the file name out of a {@code Content-Disposition} header (RFC 6266, with RFC 8187
 * extended values).
 *
 * <p>Header values come from arbitrary servers, so nothing here throws: anything that cannot be
 * understood is treated as absent and the caller falls back to another source for the name.
 */
public final class ContentDisposition {

    private static final String ATTR_CHAR_SYMBOLS = "!#$&+-.^_`|~";

    private ContentDisposition() {
    }

    /**
     * The decoded file name, preferring {@code filename*} over {@code filename}; empty when the
     * header carries no usable name. The name is returned as sent: it may contain path
     * separators or other unsafe characters and must be sanitised before use.
     */
    public static Optional<String> filename(String headerValue) {
        if (headerValue == null || headerValue.isBlank()) {
            return Optional.empty();
        }
        Parameter extended = null;
        Parameter plain = null;
        Parser parser = new Parser(headerValue);
        parser.skipDispositionType();
        while (parser.hasMore()) {
            Parameter parameter = parser.nextParameter();
            // Duplicates make the header ambiguous; keep the first rather than guess.
            if (parameter.name.equals("filename*") && extended == null) {
                extended = parameter;
            } else if (parameter.name.equals("filename") && plain == null) {
                plain = parameter;
            }
        }
        // RFC 8187 ext-values are never quoted; a quoted one is a broken header, so only the
        // plain filename can be trusted.
        Optional<String> fromExtended = extended == null || extended.quoted
                ? Optional.empty()
                : decodeExtValue(extended.value);
        if (fromExtended.isPresent() || plain == null) {
            return fromExtended;
        }
        return Optional.ofNullable(plain.value).filter(value -> !value.isEmpty());
    }

    /** RFC 8187 {@code charset'language'pct-encoded}, decoded strictly. */
    private static Optional<String> decodeExtValue(String extValue) {
        if (extValue == null) {
            return Optional.empty();
        }
        int firstQuote = extValue.indexOf('\'');
        int secondQuote = extValue.indexOf('\'', firstQuote + 1);
        if (firstQuote <= 0 || secondQuote < 0) {
            return Optional.empty();
        }
        Charset charset = supportedCharset(extValue.substring(0, firstQuote));
        String language = extValue.substring(firstQuote + 1, secondQuote);
        if (charset == null || !language.chars().allMatch(c -> isAsciiLetterOrDigit(c) || c == '-')) {
            return Optional.empty();
        }
        String encoded = extValue.substring(secondQuote + 1);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(encoded.length());
        for (int i = 0; i < encoded.length(); i++) {
            char c = encoded.charAt(i);
            if (c == '%') {
                int high = i + 2 < encoded.length() ? Character.digit(encoded.charAt(i + 1), 16) : -1;
                int low = i + 2 < encoded.length() ? Character.digit(encoded.charAt(i + 2), 16) : -1;
                if (high < 0 || low < 0) {
                    return Optional.empty();
                }
                bytes.write(high << 4 | low);
                i += 2;
            } else if (isAttrChar(c)) {
                bytes.write(c);
            } else {
                return Optional.empty();
            }
        }
        try {
            // REPORT rather than the default REPLACE: a name full of U+FFFD is worse than the
            // plain filename the server usually sends alongside.
            String decoded = charset.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes.toByteArray()))
                    .toString();
            return decoded.isEmpty() ? Optional.empty() : Optional.of(decoded);
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
    }

    /** The two charsets RFC 5987 names; RFC 8187 requires only UTF-8. */
    private static Charset supportedCharset(String name) {
        if (name.equalsIgnoreCase("UTF-8")) {
            return StandardCharsets.UTF_8;
        }
        if (name.equalsIgnoreCase("ISO-8859-1")) {
            return StandardCharsets.ISO_8859_1;
        }
        return null;
    }

    private static boolean isAttrChar(char c) {
        return isAsciiLetterOrDigit(c) || ATTR_CHAR_SYMBOLS.indexOf(c) >= 0;
    }

    private static boolean isAsciiLetterOrDigit(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }

    /** A parameter; {@code value} is null when it was syntactically broken. */
    private record Parameter(String name, String value, boolean quoted) {
    }

    /** Walks the header once, so that a {@code ;} inside a quoted-string never splits it. */
    private static final class Parser {

        private final String header;
        private int position;

        Parser(String header) {
            this.header = header;
        }

        boolean hasMore() {
            return position < header.length();
        }

        void skipDispositionType() {
            skipPastSemicolon();
        }

        Parameter nextParameter() {
            int start = position;
            while (position < header.length() && header.charAt(position) != '=' && header.charAt(position) != ';') {
                position++;
            }
            String name = header.substring(start, position).trim().toLowerCase(Locale.ROOT);
            if (position >= header.length() || header.charAt(position) == ';') {
                skipPastSemicolon();
                return new Parameter(name, null, false);
            }
            position++; // '='
            skipWhitespace();
            if (position < header.length() && header.charAt(position) == '"') {
                return new Parameter(name, readQuotedString(), true);
            }
            int semicolon = header.indexOf(';', position);
            int valueEnd = semicolon < 0 ? header.length() : semicolon;
            // Servers often send unquoted names with spaces; taking everything up to ';' keeps
            // those instead of insisting on a strict token.
            String value = header.substring(position, valueEnd).trim();
            skipPastSemicolon();
            return new Parameter(name, value, false);
        }

        private String readQuotedString() {
            position++; // opening quote
            StringBuilder value = new StringBuilder();
            while (position < header.length()) {
                char c = header.charAt(position++);
                if (c == '"') {
                    skipWhitespace();
                    boolean cleanEnd = !hasMore() || header.charAt(position) == ';';
                    skipPastSemicolon();
                    return cleanEnd ? value.toString() : null;
                }
                if (c == '\\') {
                    if (position >= header.length()) {
                        return null;
                    }
                    c = header.charAt(position++);
                }
                value.append(c);
            }
            return null; // unterminated
        }

        private void skipWhitespace() {
            while (position < header.length() && (header.charAt(position) == ' ' || header.charAt(position) == '\t')) {
                position++;
            }
        }

        private void skipPastSemicolon() {
            int semicolon = header.indexOf(';', position);
            position = semicolon < 0 ? header.length() : semicolon + 1;
        }
    }
}
