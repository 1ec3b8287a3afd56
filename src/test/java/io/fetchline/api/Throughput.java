package io.fetchline.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Predicate;

import io.fetchline.FetchlineClient;
import tools.jackson.databind.JsonNode;

/**
 * Download rates as a user sees them: the bytes of jobs read through the API every 250 ms, and the rate over every
 * two-second window between those samples.
 */
final class Throughput {

    static final Duration EVERY = Duration.ofMillis(250);
    static final long WINDOW_NANOS = Duration.ofSeconds(2).toNanos();

    /** One reading: when (the middle of the request, in nanoTime) and how many bytes. */
    record Sample(long at, long bytes) {
    }

    private final List<Sample> samples = new ArrayList<>();

    /** The bytes of these jobs together: the sum of their items' bytes, as the store has them now. */
    static Callable<Long> bytesOf(FetchlineClient api, String... jobs) {
        return () -> {
            long sum = 0;
            for (String job : jobs) {
                for (JsonNode item : api.items(job, "?limit=1000").get("items")) {
                    sum += item.get("bytes").asLong();
                }
            }
            return sum;
        };
    }

    /** Samples every 250 ms until {@code enough} holds for the last sample, at most {@code atMost}. */
    Throughput sampleUntil(Callable<Long> bytes, Predicate<Sample> enough, Duration atMost) {
        await().atMost(atMost).pollDelay(Duration.ZERO).pollInterval(EVERY).until(() -> {
            long before = System.nanoTime();
            long value = bytes.call();
            return enough.test(add((before + System.nanoTime()) / 2, value));
        });
        return this;
    }

    Sample add(long at, long bytes) {
        Sample sample = new Sample(at, bytes);
        samples.add(sample);
        return sample;
    }

    /** Until the bytes reach {@code bytes}. */
    static Predicate<Sample> reached(long bytes) {
        return sample -> sample.bytes() >= bytes;
    }

    /** Until {@code duration} after {@code start} (nanoTime). */
    static Predicate<Sample> after(long start, Duration duration) {
        return sample -> sample.at() - start >= duration.toNanos();
    }

    /** When the bytes were last seen at zero: the transfer starts right after. */
    long started() {
        long at = samples.get(0).at();
        for (Sample sample : samples) {
            if (sample.bytes() == 0) {
                at = sample.at();
            }
        }
        return at;
    }

    /** When the first sample with at least {@code bytes} was taken; {@code Long.MAX_VALUE} if none was. */
    long reachedAt(long bytes) {
        return samples.stream().filter(sample -> sample.bytes() >= bytes).mapToLong(Sample::at).findFirst()
                .orElse(Long.MAX_VALUE);
    }

    long lastBytes() {
        return samples.get(samples.size() - 1).bytes();
    }

    /**
     * Asserts the rate of every two-second window from a sample at or after {@code from} to one before {@code to}
     * (nanoTime), within {@code tolerance} of {@code expected} bytes a second; at least {@code minWindows} of them.
     */
    void assertWindows(long from, long to, long expected, double tolerance, int minWindows) {
        List<String> rates = new ArrayList<>();
        List<Double> values = new ArrayList<>();
        for (int i = 0; i < samples.size(); i++) {
            Sample start = samples.get(i);
            if (start.at() < from) {
                continue;
            }
            Sample end = samples.stream().skip(i + 1).filter(sample -> sample.at() - start.at() >= WINDOW_NANOS)
                    .findFirst().orElse(null);
            if (end == null || end.at() >= to) {
                break;
            }
            double rate = (end.bytes() - start.bytes()) * 1e9 / (end.at() - start.at());
            values.add(rate);
            rates.add(String.format(Locale.ROOT, "%.0f", rate));
        }
        String described = "rates of two-second windows, expected " + expected + " B/s ± "
                + Math.round(tolerance * 100) + " %: " + rates + "; samples " + this;
        assertThat(values).as(described).hasSizeGreaterThanOrEqualTo(minWindows)
                .allSatisfy(rate -> assertThat(rate).as(described)
                        .isBetween(expected * (1 - tolerance), expected * (1 + tolerance)));
    }

    /** Every sample, as milliseconds since the first and bytes. */
    @Override
    public String toString() {
        long t0 = samples.get(0).at();
        List<String> shown = new ArrayList<>();
        for (Sample sample : samples) {
            shown.add((sample.at() - t0) / 1_000_000 + "ms:" + sample.bytes());
        }
        return shown.toString();
    }
}
