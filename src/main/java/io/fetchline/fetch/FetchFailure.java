package io.fetchline.fetch;

import java.time.Duration;


/**
 * Why one attempt at an item failed, in words a person can act on.
 *
 * @param retryAfter the server's Retry-After, uncapped; null when it sent none
 */
public final class FetchFailure extends Exception {

    private final ErrorCode code;
    private final Integer httpStatus;
    private final Duration retryAfter;

    public FetchFailure(ErrorCode code, String message) {
        this(code, message, null, null, null);
    }

    public FetchFailure(ErrorCode code, String message, Throwable cause) {
        this(code, message, null, null, cause);
    }

    public FetchFailure(ErrorCode code, String message, Integer httpStatus, Duration retryAfter, Throwable cause) {
        super(message, cause, false, false);
        this.code = code;
        this.httpStatus = httpStatus;
        this.retryAfter = retryAfter;
    }

    public ErrorCode code() {
        return code;
    }

    public Integer httpStatus() {
        return httpStatus;
    }

    public Duration retryAfter() {
        return retryAfter;
    }

    /** A duration as a person would write it in a setting: {@code 2s}, {@code 200ms}, {@code 1.5s}. */
    public static String describe(Duration duration) {
        long millis = duration.toMillis();
        if (millis < 1000) {
            return millis + "ms";
        }
        return millis % 1000 == 0 ? millis / 1000 + "s" : millis / 1000.0 + "s";
    }
}
