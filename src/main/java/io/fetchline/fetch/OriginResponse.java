package io.fetchline.fetch;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;

import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.Header;

/** The open response of the last hop; the caller streams the body and closes it. */
public final class OriginResponse implements AutoCloseable {

    private final HttpGet request;
    private final ClassicHttpResponse response;
    private final URI url;

    OriginResponse(HttpGet request, ClassicHttpResponse response, URI url) {
        this.request = request;
        this.response = response;
        this.url = url;
    }

    public int status() {
        return response.getCode();
    }

    public String reason() {
        return response.getReasonPhrase();
    }

    /** Where the body really came from, after redirects. */
    public URI url() {
        return url;
    }

    public String header(String name) {
        Header header = response.getFirstHeader(name);
        return header == null ? null : header.getValue();
    }

    /** Content-Length of this response, or -1 when the body is chunked or delimited by close. */
    public long contentLength() {
        return response.getEntity() == null ? 0 : response.getEntity().getContentLength();
    }

    public InputStream body() throws IOException {
        return response.getEntity() == null ? InputStream.nullInputStream() : response.getEntity().getContent();
    }

    /** Breaks a blocked read from another thread: how a cancelled item lets go of its fetcher. */
    public void abort() {
        request.cancel();
    }

    @Override
    public void close() {
        try {
            // Closing without draining: a half-read body would otherwise be read to the end to reuse the connection.
            request.cancel();
            response.close();
        } catch (IOException ignored) {
            // The connection is discarded either way.
        }
    }
}
