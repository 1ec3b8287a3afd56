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
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;

import org.apache.hc.client5.http.ClientProtocolException;
import org.apache.hc.client5.http.ConnectTimeoutException;
import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.protocol.HttpClientContext;
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
 * client connects to it. {@link OriginConnections} adds the proxies and the certificate authorities.
 */
public final class OriginClient implements Closeable {

    /** Headers that carry credentials: sent to the origin of the submitted URL only, never after a hop away. */
    static final Set<String> CREDENTIALS = Set.of("authorization", "cookie", "proxy-authorization");

    private final CloseableHttpClient client;
    private final PoolingHttpClientConnectionManager connections;
    private final int maxRedirects;
    private final Timeout readTimeout;
    private final Duration connectTimeout;

    /** Straight to every origin, trusting the JVM's certificate authorities. */
    public OriginClient(FetchlineProperties.Fetch config, int maxConnections, DnsResolver resolver) {
        this(config, maxConnections, OriginConnections.direct(resolver));
    }

    public OriginClient(FetchlineProperties.Fetch config, int maxConnections, OriginConnections origins) {
        this.maxRedirects = config.maxRedirects();
        this.connectTimeout = config.connectTimeout();
        this.readTimeout = Timeout.of(config.readTimeout());
        this.connections = PoolingHttpClientConnectionManagerBuilder.create()
                .setDnsResolver(origins.resolver())
                .setTlsSocketStrategy(origins.trust().tls())
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
                .setRoutePlanner(origins.routes())
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
        return open(url, headers, from, -1, validator, cancellation);
    }

    /**
     * As {@link #open(URI, Map, long, String, Cancellation)}, for the bytes from {@code from} to {@code to}
     * (inclusive), as a segment of a file asks for them; {@code to} -1 asks for the rest of the file.
     */
    public OriginResponse open(URI url, Map<String, String> headers, long from, long to, String validator,
            Cancellation cancellation) throws FetchFailure {
        URI target = url;
        String authorization = Urls.basicAuthorization(url);
        for (int hop = 0;; hop++) {
            HttpGet request = new HttpGet(Urls.withoutUserInfo(target));
            boolean sameOrigin = sameOrigin(url, target);
            if (authorization != null && sameOrigin) {
                request.setHeader("Authorization", authorization);
            }
            headers.forEach((name, value) -> {
                if (sameOrigin || !CREDENTIALS.contains(name.toLowerCase(Locale.ROOT))) {
                    request.setHeader(name, value);
                }
            });
            if (from > 0 || to >= 0) {
                request.setHeader("Range", "bytes=" + from + "-" + (to >= 0 ? Long.toString(to) : ""));
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
        HttpClientContext context = HttpClientContext.create();
        ClassicHttpResponse response;
        try {
            response = client.executeOpen(null, request, context);
        } catch (SSLException ex) {
            // Before the response, so the handshake with the origin (or a record of it) is what failed.
            throw OriginTrust.failure(target.getHost(), ex);
        } catch (IOException ex) {
            throw OriginRoutes.proxyOf(context).map(proxy -> proxyFailure(proxy, ex)).orElseGet(() -> failureOf(ex));
        }
        Optional<OriginProxy> proxy = OriginRoutes.proxyOf(context);
        if (proxy.isPresent()) {
            refuseProxyAnswer(proxy.get(), target, response, context);
        }
        return response;
    }

    /**
     * Fails the attempt when the proxy itself answered instead of the origin: an https response that came without
     * a TLS session is the proxy's answer to CONNECT (HttpClient hands it on as the response), and a 407 always
     * comes from a proxy. The code stays {@code HTTP_STATUS}, with the proxy's status, so that a 502 or 503 from
     * the proxy is retried like any other.
     */
    private static void refuseProxyAnswer(OriginProxy proxy, URI target, ClassicHttpResponse response,
            HttpClientContext context) throws FetchFailure {
        int status = response.getCode();
        boolean connectRefused = "https".equalsIgnoreCase(target.getScheme()) && context.getSSLSession() == null;
        if (!connectRefused && status != 407) {
            return;
        }
        String answer = (status + " " + (response.getReasonPhrase() == null ? "" : response.getReasonPhrase())).trim();
        String hint = status == 407 ? "; check the user and password of the proxy in " + proxy.source() : "";
        Duration retryAfter = response.getFirstHeader("Retry-After") == null ? null
                : RetryPolicy.parseRetryAfter(response.getFirstHeader("Retry-After").getValue(), Instant.now());
        try {
            response.close();
        } catch (IOException ex) {
            // The attempt fails either way; the connection was the proxy's and is discarded.
        }
        String what = connectRefused ? " refused CONNECT to " + target.getHost() + ":" + port(target) : " answered";
        throw new FetchFailure(ErrorCode.HTTP_STATUS, "proxy " + proxy + what + ": " + answer + hint, status,
                retryAfter, null);
    }

    /** Through a proxy, a connection that cannot be made is one to the proxy: the message says so. */
    private FetchFailure proxyFailure(OriginProxy proxy, IOException ex) {
        FetchFailure failure = failureOf(ex);
        boolean connecting = ex instanceof ConnectException || ex instanceof NoRouteToHostException
                || ex instanceof ConnectTimeoutException;
        return connecting ? new FetchFailure(failure.code(), "cannot connect to proxy " + proxy + " (from "
                + proxy.source() + "): " + failure.getMessage(), ex) : failure;
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
        if (ex instanceof ClientProtocolException && ex.getCause() instanceof OriginRoutes.RouteException route) {
            return failureOf(route.reason());
        }
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
        if (ex instanceof SSLHandshakeException || ex instanceof SSLPeerUnverifiedException) {
            return new FetchFailure(ErrorCode.TLS, "TLS handshake failed: " + detail, ex);
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
                || ex instanceof ClientProtocolException
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
}
