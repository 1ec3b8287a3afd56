package io.fetchline.fetch;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;


/** The one place that decides whether a failed attempt is tried again, and when. */
public final class RetryPolicy {

    private static final Set<ErrorCode> TRANSIENT = Set.of(
            ErrorCode.CONNECTION, ErrorCode.TIMEOUT, ErrorCode.TRUNCATED, ErrorCode.PROTOCOL);
    private static final Set<Integer> TRANSIENT_STATUS = Set.of(408, 429, 500, 502, 503, 504);

    private final int maxAttempts;
    private final Duration backoff;
    private final Duration backoffMax;

    public RetryPolicy(int maxAttempts, Duration backoff, Duration backoffMax) {
        this.maxAttempts = maxAttempts;
        this.backoff = backoff;
        this.backoffMax = backoffMax;
    }

    public int maxAttempts() {
        return maxAttempts;
    }

    public boolean isTransient(FetchFailure failure) {
        if (failure.code() == ErrorCode.HTTP_STATUS) {
            return failure.httpStatus() != null && TRANSIENT_STATUS.contains(failure.httpStatus());
        }
        return TRANSIENT.contains(failure.code());
    }

    /** Whether another attempt follows {@code attemptsMade} attempts ending in this failure. */
    public boolean shouldRetry(FetchFailure failure, int attemptsMade) {
        return attemptsMade < maxAttempts && isTransient(failure);
    }

    /**
     * The wait before the next attempt: the server's Retry-After when it sent one, else exponential backoff
     * with full jitter on the upper half, so a crowd of items failing together does not return together.
     * Both are capped by {@code retry-backoff-max}.
     */
    public Duration delayBefore(int nextAttempt, FetchFailure failure) {
        if (failure.retryAfter() != null) {
            return min(failure.retryAfter(), backoffMax);
        }
        long ceiling = backoff.toMillis();
        for (int attempt = 2; attempt < nextAttempt && ceiling < backoffMax.toMillis(); attempt++) {
            ceiling *= 2;
        }
        ceiling = Math.min(ceiling, backoffMax.toMillis());
        long half = ceiling / 2;
        return Duration.ofMillis(ceiling - half + ThreadLocalRandom.current().nextLong(half + 1));
    }

    /** Describes a cap applied to Retry-After, for the item's error message. */
    public String describeRetryAfter(FetchFailure failure) {
        if (failure.retryAfter() == null) {
            return "";
        }
        // The server spoke in whole seconds; the cap is shown as configured.
        long asked = failure.retryAfter().toSeconds();
        return failure.retryAfter().compareTo(backoffMax) > 0
                ? "; last Retry-After " + asked + "s capped to " + FetchFailure.describe(backoffMax)
                : "; last Retry-After " + asked + "s";
    }

    /** Parses Retry-After as delta-seconds or an HTTP date; null when absent or unreadable. */
    public static Duration parseRetryAfter(String value, Instant now) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String text = value.trim();
        try {
            long seconds = Long.parseLong(text);
            return seconds < 0 ? null : Duration.ofSeconds(seconds);
        } catch (NumberFormatException notSeconds) {
            try {
                Instant at = ZonedDateTime.parse(text, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                Duration wait = Duration.between(now, at);
                return wait.isNegative() ? Duration.ZERO : wait;
            } catch (DateTimeParseException notDate) {
                return null;
            }
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
