package io.fetchline.webhook;

import java.io.Closeable;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.hc.client5.http.ConnectTimeoutException;
import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.SocketConfig;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.Timeout;

import io.fetchline.fetch.BlockedAddressException;
import io.fetchline.fetch.PolicyDnsResolver;
import io.fetchline.fetch.Urls;

/**
 * Posts events to receivers. Every connection goes through the {@link DnsResolver} of downloads, which is a
 * {@link PolicyDnsResolver}: the receiver's address is checked where it is connected to, as a download's is. No
 * redirect is followed and nothing is retried here; a fresh connection for each attempt, since events are rare
 * and a receiver's idle connection would only fail the next one.
 */
final class WebhookClient implements Closeable {

    /** How an attempt went: answered 2xx, failed (try again), or refused by the address policy (give up). */
    enum Outcome {
        DELIVERED, FAILED, REFUSED
    }

    /** An attempt's outcome and, for a person reading the log, what happened. */
    record Answer(Outcome outcome, String detail) {
    }

    private static final ContentType JSON = ContentType.create("application/json");

    private final CloseableHttpClient client;
    private final Duration timeout;
    /** Requests being sent, so that a stop can abort them; any sender thread adds and removes its own. */
    private final Set<HttpPost> sending = ConcurrentHashMap.newKeySet();

    WebhookClient(DnsResolver resolver, Duration timeout, int connections) {
        this.timeout = timeout;
        Timeout limit = Timeout.of(timeout);
        this.client = HttpClients.custom()
                .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
                        .setDnsResolver(resolver)
                        .setMaxConnTotal(connections)
                        .setMaxConnPerRoute(connections)
                        .setDefaultSocketConfig(SocketConfig.custom().setSoTimeout(limit).build())
                        .setDefaultConnectionConfig(ConnectionConfig.custom()
                                .setConnectTimeout(limit)
                                .setSocketTimeout(limit)
                                .build())
                        .build())
                .setConnectionReuseStrategy((request, response, context) -> false)
                .disableRedirectHandling()
                .disableAutomaticRetries()
                .disableContentCompression()
                .disableCookieManagement()
                .disableAuthCaching()
                .setUserAgent("Fetchline/1")
                .setDefaultRequestConfig(RequestConfig.custom()
                        .setResponseTimeout(limit)
                        .setConnectionRequestTimeout(limit)
                        .build())
                .build();
    }

    /** One attempt: POSTs the body with the headers to the URL and reads nothing of the answer but its status. */
    Answer post(String url, Map<String, String> headers, String body) {
        URI target;
        try {
            target = new URI(url);
        } catch (URISyntaxException ex) {
            return new Answer(Outcome.REFUSED, "not a valid URL: " + ex.getReason());
        }
        HttpPost request = new HttpPost(Urls.withoutUserInfo(target));
        String authorization = Urls.basicAuthorization(target);
        if (authorization != null) {
            request.setHeader("Authorization", authorization);
        }
        headers.forEach(request::setHeader);
        // JSON is UTF-8 by definition (RFC 8259): the type goes without a charset parameter.
        request.setEntity(new ByteArrayEntity(body.getBytes(StandardCharsets.UTF_8), JSON));
        sending.add(request);
        try (ClassicHttpResponse response = client.executeOpen(null, request, null)) {
            int status = response.getCode();
            // The body is not read: a receiver's answer says nothing more than its status.
            request.cancel();
            return status >= 200 && status < 300 ? new Answer(Outcome.DELIVERED, "HTTP " + status)
                    : new Answer(Outcome.FAILED, "HTTP " + status + (status >= 300 && status < 400
                            ? " (redirects are not followed)" : ""));
        } catch (BlockedAddressException ex) {
            return new Answer(Outcome.REFUSED, ex.getMessage());
        } catch (IOException ex) {
            String detail = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
            return new Answer(Outcome.FAILED, ex instanceof SocketTimeoutException
                    || ex instanceof ConnectTimeoutException
                            ? "no answer within " + timeout + " (fetchline.webhooks.timeout)"
                            : detail);
        } finally {
            sending.remove(request);
        }
    }

    /** Breaks every attempt under way, and returns how many: the service is stopping. */
    int abortAll() {
        int aborted = 0;
        for (HttpPost request : sending) {
            if (request.cancel()) {
                aborted++;
            }
        }
        return aborted;
    }

    @Override
    public void close() {
        client.close(CloseMode.IMMEDIATE);
    }
}
