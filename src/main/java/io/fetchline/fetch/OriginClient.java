package io.fetchline.fetch;

import java.io.Closeable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.apache.hc.client5.http.ConnectTimeoutException;
import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ConnectionClosedException;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.io.SocketConfig;
import org.apache.hc.core5.util.Timeout;

import io.fetchline.config.FetchlineProperties;

/**
 * Apache HttpClient set up for downloads: pooled keep-alive connections, no automatic redirects, retries or
 * decompression (Fetchline decides those itself), and a {@link DnsResolver} that vets every address before the
 * client connects to it.
 */
public final class OriginClient implements Closeable {

    /** Headers that carry credentials: sent to the origin of the submitted URL only, never after a hop away. */
    static final Set<String> CREDENTIALS = Set.of("authorization", "cookie", "proxy-authorization");

    private final CloseableHttpClient client;
    private final PoolingHttpClientConnectionManager connections;
    private final int maxRedirects;
    private final Timeout readTimeout;
    private final Duration connectTimeout;

    public OriginClient(FetchlineProperties.Fetch config, int maxConnections, DnsResolver resolver) {
        this.maxRedirects = config.maxRedirects();
        this.connectTimeout = config.connectTimeout();
        this.readTimeout = Timeout.of(config.readTimeout());
        this.connections = PoolingHttpClientConnectionManagerBuilder.create()
                .setDnsResolver(resolver)
                .setMaxConnTotal(maxConnections)
                .setMaxConnPerRoute(maxConnections)
                .setDefaultSocketConfig(SocketConfig.custom().setSoTimeout(readTimeout).setTcpNoDelay(true).build())
                .setDefaultConnectionConfig(ConnectionConfig.custom()
                        .setConnectTimeout(Timeout.of(config.connectTimeout()))
                        .setSocketTimeout(readTimeout)
                        .build())
                .build();
        this.client = HttpClients.custom()
                .setConnectionManager(connections)
                .disableRedirectHandling()
                .disableAutomaticRetries()
                .disableContentCompression()
                .disableCookieManagement()
                .disableAuthCaching()
                .setUserAgent("Fetchline/1")
                .setDefaultRequestConfig(RequestConfig.custom()
                        .setResponseTimeout(readTimeout)
                        .setConnectionRequestTimeout(Timeout.ofMinutes(10))
                        .build())
                .build();
    }

    /**
     * Opens the response, following redirects. {@code cancellation} stops it from another thread at any point;
     * the attempt then fails with a {@code CONNECTION} failure that its caller knows to be a stop.
     *
     * @param from bytes already stored; above zero the request asks for the rest with Range and If-Range
     * @param validator ETag or Last-Modified of the stored bytes, null when unknown
     */
    public OriginResponse open(URI url, long from, String validator, Cancellation cancellation) throws FetchFailure {
        return open(url, Map.of(), from, validator, cancellation);
    }

    /**
     * As {@link #open(URI, long, String, Cancellation)}, sending {@code headers} with every request: the first
     * one and each redirect hop, except that credentials ({@link #CREDENTIALS}) go only to the origin of
     * {@code url}, as curl does. A header named here replaces Fetchline's own (User-Agent), and an Authorization
     * here replaces the one made from the URL's user and password.
     */
    public OriginResponse open(URI url, Map<String, String> headers, long from, String validator,
            Cancellation cancellation) throws FetchFailure {
        URI target = url;
        String authorization = basicAuthorization(url);
        for (int hop = 0;; hop++) {
            HttpGet request = new HttpGet(withoutUserInfo(target));
            boolean sameOrigin = sameOrigin(url, target);
            if (authorization != null && sameOrigin) {
                request.setHeader("Authorization", authorization);
            }
            headers.forEach((name, value) -> {
                if (sameOrigin || !CREDENTIALS.contains(name.toLowerCase(Locale.ROOT))) {
                    request.setHeader(name, value);
                }
            });
            if (from > 0) {
                request.setHeader("Range", "bytes=" + from + "-");
                if (validator != null && !validator.startsWith("W/")) {
                    request.setHeader("If-Range", validator);
                }
            }
            cancellation.sending(request);
            ClassicHttpResponse response = execute(request, target);
            int status = response.getCode();
            String location = response.getFirstHeader("Location") == null ? null
                    : response.getFirstHeader("Location").getValue();
            if (!isRedirect(status) || location == null) {
                return new OriginResponse(request, response, target);
            }
            new OriginResponse(request, response, target).close();
            URI next = resolveRedirect(target, location);
            if (hop >= maxRedirects) {
                throw new FetchFailure(ErrorCode.REDIRECT_LIMIT, "more than " + maxRedirects
                        + " redirects (fetchline.fetch.max-redirects); the next was to "
                        + Urls.masked(next.toString()));
            }
            target = next;
        }
    }

    @Override
    public void close() throws IOException {
        client.close();
    }

    private ClassicHttpResponse execute(HttpGet request, URI target) throws FetchFailure {
        try {
            return client.executeOpen(null, request, null);
        } catch (IOException ex) {
            throw failureOf(ex);
        }
    }

    private static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    private static URI resolveRedirect(URI from, String location) throws FetchFailure {
        URI next;
        try {
            next = from.resolve(new URI(Urls.escapeIllegal(location.trim())));
        } catch (URISyntaxException | IllegalArgumentException ex) {
            throw new FetchFailure(ErrorCode.PROTOCOL, "malformed redirect Location: " + Urls.masked(location));
        }
        String scheme = next.getScheme() == null ? "" : next.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new FetchFailure(ErrorCode.UNSUPPORTED_SCHEME,
                    "redirect to unsupported scheme: " + Urls.masked(next.toString()));
        }
        if (next.getHost() == null) {
            throw new FetchFailure(ErrorCode.PROTOCOL, "redirect without a host: " + Urls.masked(next.toString()));
        }
        return next;
    }

    /**
     * Maps what the client threw to the error codes of the API; the message keeps the cause readable and names
     * the setting behind a timeout.
     */
    public FetchFailure failureOf(IOException ex) {
        String detail = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
        if (ex instanceof BlockedAddressException) {
            return new FetchFailure(ErrorCode.BLOCKED_ADDRESS, detail, ex);
        }
        // Before SocketTimeoutException: a socket's own connect timeout arrives wrapped in this one.
        if (ex instanceof ConnectTimeoutException) {
            return new FetchFailure(ErrorCode.TIMEOUT, "no connection within " + FetchFailure.describe(connectTimeout)
                    + " (fetchline.fetch.connect-timeout)", ex);
        }
        if (ex instanceof SocketTimeoutException) {
            return new FetchFailure(ErrorCode.TIMEOUT, "no data for "
                    + FetchFailure.describe(readTimeout.toDuration()) + " (fetchline.fetch.read-timeout)", ex);
        }
        if (ex instanceof ConnectionClosedException) {
            return new FetchFailure(ErrorCode.TRUNCATED, "connection closed early: " + detail, ex);
        }
        if (ex instanceof UnknownHostException) {
            return new FetchFailure(ErrorCode.CONNECTION, "unknown host: " + detail, ex);
        }
        if (ex instanceof ConnectException || ex instanceof NoRouteToHostException) {
            return new FetchFailure(ErrorCode.CONNECTION, "cannot connect: " + detail, ex);
        }
        if (ex instanceof SocketException || ex instanceof InterruptedIOException) {
            return new FetchFailure(ErrorCode.CONNECTION, "connection failed: " + detail, ex);
        }
        if (ex instanceof org.apache.hc.core5.http.MalformedChunkCodingException
                || ex instanceof org.apache.hc.client5.http.ClientProtocolException
                || ex.getCause() instanceof HttpException) {
            return new FetchFailure(ErrorCode.PROTOCOL, "broken HTTP response: " + detail, ex);
        }
        return new FetchFailure(ErrorCode.CONNECTION, detail, ex);
    }

    /** Scheme, host and port alike (RFC 6454), case and a default port spelled out making no difference. */
    static boolean sameOrigin(URI a, URI b) {
        String scheme = lower(a.getScheme());
        return scheme.equals(lower(b.getScheme())) && lower(a.getHost()).equals(lower(b.getHost()))
                && port(a) == port(b);
    }

    private static String lower(String text) {
        return text == null ? "" : text.toLowerCase(Locale.ROOT);
    }

    private static int port(URI url) {
        return url.getPort() != -1 ? url.getPort() : "https".equals(lower(url.getScheme())) ? 443 : 80;
    }

    private static String basicAuthorization(URI url) {
        String userInfo = url.getRawUserInfo();
        if (userInfo == null) {
            return null;
        }
        String decoded = java.net.URLDecoder.decode(userInfo.replace("+", "%2B"), StandardCharsets.UTF_8);
        return "Basic " + Base64.getEncoder().encodeToString(decoded.getBytes(StandardCharsets.UTF_8));
    }

    private static URI withoutUserInfo(URI url) {
        if (url.getRawUserInfo() == null) {
            return url;
        }
        String text = url.toASCIIString();
        int at = text.indexOf('@', text.indexOf("//") + 2);
        return URI.create(text.substring(0, text.indexOf("//") + 2) + text.substring(at + 1));
    }
}
