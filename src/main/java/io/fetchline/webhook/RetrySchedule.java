package io.fetchline.webhook;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * When a delivery whose attempt failed is tried again: after the first failed attempt the first delay, after the
 * second the second, and so on, the last delay repeating; each ± 20 %, so that receivers that failed together are
 * not all called again in the same instant.
 */
final class RetrySchedule {

    private static final double JITTER = 0.2;

    private final List<Duration> delays;

    RetrySchedule(List<Duration> delays) {
        if (delays.isEmpty()) {
            throw new IllegalArgumentException("a retry schedule needs at least one delay");
        }
        this.delays = List.copyOf(delays);
    }

    /** The wait after failed attempt number {@code failed} (1 for the first). */
    Duration after(int failed) {
        return after(failed, ThreadLocalRandom.current().nextDouble());
    }

    /** As {@link #after(int)}, with {@code random} in [0, 1) choosing where in ± 20 % the wait falls. */
    Duration after(int failed, double random) {
        Duration base = delays.get(Math.min(Math.max(failed, 1), delays.size()) - 1);
        double factor = 1 - JITTER + 2 * JITTER * random;
        return Duration.ofMillis(Math.round(base.toMillis() * factor));
    }
}
