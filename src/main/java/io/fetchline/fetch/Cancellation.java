package io.fetchline.fetch;

import org.apache.hc.core5.concurrent.Cancellable;

/**
 * Stops one download attempt from another thread, whatever it is waiting for: a pooled connection, a connect, the
 * response headers, a redirect hop or the next bytes of the body.
 */
public final class Cancellation {

    private volatile boolean cancelled;
    private volatile Cancellable current;

    public void cancel() {
        cancelled = true;
        Cancellable request = current;
        if (request != null) {
            request.cancel();
        }
    }

    public boolean isCancelled() {
        return cancelled;
    }

    /** The request about to be sent; cancelled at once when the attempt was stopped meanwhile. */
    void sending(Cancellable request) throws FetchFailure {
        current = request;
        if (cancelled) {
            request.cancel();
            throw stopped();
        }
    }

    static FetchFailure stopped() {
        return new FetchFailure(ErrorCode.CONNECTION, "stopped");
    }
}
