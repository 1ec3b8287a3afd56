package io.fetchline.fetch;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

import org.jspecify.annotations.Nullable;

/**
 * One HTTP proxy, as {@code http://[user:password@]host:port} names it. Its {@link #toString()} is the only way it is
 * ever shown, with the password as {@code ***}.
 *
 * @param host the host name or address literal, without brackets
 * @param user null when the proxy is used without authentication
 * @param password empty when the user has none; null exactly when {@code user} is
 * @param source the property or environment variable it came from, for messages
 */
public record OriginProxy(String host, int port, @Nullable String user, @Nullable String password, String source) {

    // As curl: a proxy without a port listens on 1080.
    private static final int DEFAULT_PORT = 1080;

    /**
     * Reads a proxy as curl does: the scheme may be left out, a missing port is 1080, a path is ignored, and the
     * user and password are percent-decoded.
     *
     * @throws IllegalArgumentException naming the source and showing the value without its password
     */
    static OriginProxy parse(String text, String source) {
        String trimmed = text.trim();
        String withScheme = trimmed.contains("://") ? trimmed : "http://" + trimmed;
        URI uri;
        try {
            uri = new URI(withScheme);
        } catch (URISyntaxException ex) {
            throw invalid(source, text, "not a valid URL");
        }
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http")) {
            throw invalid(source, text, "only http:// proxies are supported (CONNECT carries https through them)");
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw invalid(source, text, "it has no valid host");
        }
        String host = uri.getHost().startsWith("[") ? uri.getHost().substring(1, uri.getHost().length() - 1)
                : uri.getHost();
        String user = null;
        String password = null;
        if (uri.getRawUserInfo() != null) {
            String userInfo = uri.getRawUserInfo();
            int colon = userInfo.indexOf(':');
            // URI has refused malformed %-escapes already, so decoding cannot fail (and quote the password).
            user = decode(colon < 0 ? userInfo : userInfo.substring(0, colon));
            password = colon < 0 ? "" : decode(userInfo.substring(colon + 1));
        }
        return new OriginProxy(host, uri.getPort() < 0 ? DEFAULT_PORT : uri.getPort(), user, password, source);
    }

    /** {@code http://user:***@host:port}, or {@code http://host:port} without a user. */
    @Override
    public String toString() {
        String authority = host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
        return "http://" + (user == null ? "" : user + ":***@") + authority;
    }

    private static String decode(String text) {
        return URLDecoder.decode(text.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static IllegalArgumentException invalid(String source, String text, String why) {
        String shown = Urls.masked(text.contains("://") ? text : "http://" + text);
        return new IllegalArgumentException("Invalid proxy '" + shown + "' in " + source + ": " + why
                + " (expected http://[user:password@]host:port)");
    }
}
