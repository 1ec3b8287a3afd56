package io.fetchline.fetch;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/** What makes a submitted URL acceptable, and how a URL is shown without its password. */
public final class Urls {

    public static final int MAX_LENGTH = 8192;

    private Urls() {
    }

    /** A parsed URL, or the reason a person gets for refusing it. */
    public record Parsed(URI uri, String problem) {

        public boolean valid() {
            return problem == null;
        }
    }

    public static Parsed parse(String text) {
        if (text == null || text.isBlank()) {
            return new Parsed(null, "URL is empty");
        }
        if (text.length() > MAX_LENGTH) {
            return new Parsed(null, "URL is longer than " + MAX_LENGTH + " characters");
        }
        URI uri;
        try {
            uri = new URI(escapeIllegal(text));
        } catch (URISyntaxException ex) {
            return new Parsed(null, "not a valid URL: " + ex.getReason());
        }
        if (!uri.isAbsolute()) {
            return new Parsed(null, "URL must be absolute");
        }
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            return new Parsed(null, "scheme must be http or https");
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            return new Parsed(null, "URL has no valid host");
        }
        return new Parsed(uri, null);
    }

    /**
     * Percent-encodes what wget and curl users paste but RFC 3986 forbids (spaces, quotes, braces, non-ASCII
     * controls), leaving valid escapes alone, so such lines are fetched instead of refused.
     */
    public static String escapeIllegal(String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean illegal = c <= 0x20 || c == 0x7f || c == '"' || c == '<' || c == '>' || c == '\\' || c == '^'
                    || c == '`' || c == '{' || c == '|' || c == '}'
                    || (c == '%' && !isEscape(text, i));
            if (illegal) {
                if (out == null) {
                    out = new StringBuilder(text.length() + 16).append(text, 0, i);
                }
                for (byte b : String.valueOf(c).getBytes(StandardCharsets.UTF_8)) {
                    out.append('%').append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xf, 16)))
                            .append(Character.toUpperCase(Character.forDigit(b & 0xf, 16)));
                }
            } else if (out != null) {
                out.append(c);
            }
        }
        return out == null ? text : out.toString();
    }

    private static boolean isEscape(String text, int i) {
        return i + 2 < text.length() && Character.digit(text.charAt(i + 1), 16) >= 0
                && Character.digit(text.charAt(i + 2), 16) >= 0;
    }

    /**
     * The {@code Authorization} value for the user and password of the URL ({@code https://user:pass@host/}), or
     * null when it has none: HttpClient does not send them by itself.
     */
    public static String basicAuthorization(URI url) {
        String userInfo = url.getRawUserInfo();
        if (userInfo == null) {
            return null;
        }
        String decoded = java.net.URLDecoder.decode(userInfo.replace("+", "%2B"), StandardCharsets.UTF_8);
        return "Basic " + java.util.Base64.getEncoder().encodeToString(decoded.getBytes(StandardCharsets.UTF_8));
    }

    /** The URL without its user and password, as a request line carries it. */
    public static URI withoutUserInfo(URI url) {
        if (url.getRawUserInfo() == null) {
            return url;
        }
        String text = url.toASCIIString();
        int at = text.indexOf('@', text.indexOf("//") + 2);
        return URI.create(text.substring(0, text.indexOf("//") + 2) + text.substring(at + 1));
    }

    /** The URL with any password replaced by {@code ***}; works on text that does not parse too. */
    public static String masked(String url) {
        if (url == null) {
            return null;
        }
        int scheme = url.indexOf("://");
        if (scheme < 0) {
            return url;
        }
        int start = scheme + 3;
        int end = start;
        while (end < url.length() && "/?#".indexOf(url.charAt(end)) < 0) {
            end++;
        }
        int at = url.lastIndexOf('@', end - 1);
        if (at < start) {
            return url;
        }
        int colon = url.indexOf(':', start);
        if (colon < 0 || colon > at) {
            return url;
        }
        return url.substring(0, colon + 1) + "***" + url.substring(at);
    }
}
