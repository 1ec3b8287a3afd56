package io.fetchline.fetch;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import org.jspecify.annotations.Nullable;

/**
 * Which proxy, if any, a download goes through. {@code fetchline.fetch.proxy} serves every URL when it is set and
 * the environment is then ignored; else {@code http_proxy} serves http URLs and {@code https_proxy} https ones, as
 * in curl and wget, each lower case first, then upper case. {@code fetchline.fetch.no-proxy}, else {@code no_proxy}
 * (only with a proxy from the environment), lists the hosts reached directly; {@code no-proxy=*} ignores every proxy.
 */
public final class OriginProxies {

    private static final String PROPERTY = "fetchline.fetch.proxy";
    private static final String NO_PROXY_PROPERTY = "fetchline.fetch.no-proxy";

    private final @Nullable OriginProxy http;
    private final @Nullable OriginProxy https;
    private final NoProxy noProxy;

    private OriginProxies(@Nullable OriginProxy http, @Nullable OriginProxy https, NoProxy noProxy) {
        this.http = http;
        this.https = https;
        this.noProxy = noProxy;
    }

    /** Every download goes straight to its origin. */
    public static OriginProxies none() {
        return new OriginProxies(null, null, NoProxy.none());
    }

    /**
     * @param proxy {@code fetchline.fetch.proxy}, null or blank when unset
     * @param noProxy {@code fetchline.fetch.no-proxy}, null when unset
     * @param env the process environment (a map, so that tests can pass their own)
     * @throws IllegalArgumentException for a malformed proxy or no-proxy entry, naming where it came from and
     *         showing no password
     */
    public static OriginProxies of(@Nullable String proxy, @Nullable List<String> noProxy, Map<String, String> env) {
        if (proxy != null && !proxy.isBlank()) {
            OriginProxy configured = OriginProxy.parse(proxy, PROPERTY);
            return new OriginProxies(configured, configured,
                    noProxy == null ? NoProxy.none() : NoProxy.parse(noProxy, NO_PROXY_PROPERTY));
        }
        OriginProxy http = fromEnv(env, "http_proxy");
        OriginProxy https = fromEnv(env, "https_proxy");
        if (noProxy != null) {
            return new OriginProxies(http, https, NoProxy.parse(noProxy, NO_PROXY_PROPERTY));
        }
        String name = variable(env, "no_proxy");
        NoProxy direct = name == null ? NoProxy.none() : NoProxy.parse(List.of(env.get(name)), name);
        return new OriginProxies(http, https, direct);
    }

    /**
     * The proxy for a URL with this scheme and host, or empty when it goes straight to the origin.
     *
     * @param host as in the URL: a name, or an address literal with or without brackets
     */
    public Optional<OriginProxy> forTarget(String scheme, String host) {
        OriginProxy proxy = "https".equalsIgnoreCase(scheme) ? https : http;
        if (proxy == null || noProxy.matches(host)) {
            return Optional.empty();
        }
        return Optional.of(proxy);
    }

    /** One line for the startup log, passwords masked. */
    public String describe() {
        if (http == null && https == null) {
            return "Downloads connect to origins directly (no proxy configured)";
        }
        String via = http != null && http.equals(https) ? "every URL through " + shown(http)
                : "http URLs " + (http == null ? "directly" : "through " + shown(http)) + ", https URLs "
                        + (https == null ? "directly" : "through " + shown(https));
        return "Downloads go " + via + (noProxy.isEmpty() ? "" : "; directly to " + noProxy);
    }

    @Override
    public String toString() {
        return describe();
    }

    private static String shown(OriginProxy proxy) {
        return proxy + " (from " + proxy.source() + ")";
    }

    private static @Nullable OriginProxy fromEnv(Map<String, String> env, String lowerCase) {
        String name = variable(env, lowerCase);
        return name == null ? null : OriginProxy.parse(env.get(name), name);
    }

    /** The variable curl would read: the lower-case one when set and not empty, else the upper-case one. */
    private static @Nullable String variable(Map<String, String> env, String lowerCase) {
        for (String name : List.of(lowerCase, lowerCase.toUpperCase(Locale.ROOT))) {
            String value = env.get(name);
            if (value != null && !value.isBlank()) {
                return name;
            }
        }
        return null;
    }
}
