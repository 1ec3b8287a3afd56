package io.fetchline.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

import io.fetchline.config.FetchlineProperties;

/** The schedule of API.md: 5 s, 30 s, 2 min, 10 min, 30 min, then hourly, each ± 20 %, 8 attempts in all. */
class RetryScheduleTests {

    private static final FetchlineProperties.Webhooks DEFAULTS = new Binder(
            new MapConfigurationPropertySource(Map.of()))
            .bindOrCreate("fetchline", FetchlineProperties.class).webhooks();

    private final RetrySchedule schedule = new RetrySchedule(DEFAULTS.retryDelays());

    @Test
    void defaultsAreThoseOfTheContract() {
        assertThat(DEFAULTS.maxAttempts()).isEqualTo(8);
        assertThat(DEFAULTS.timeout()).isEqualTo(Duration.ofSeconds(10));
    }

    @ParameterizedTest(name = "after failed attempt {0}: {1} s")
    @CsvSource({"1, 5", "2, 30", "3, 120", "4, 600", "5, 1800", "6, 3600", "7, 3600", "50, 3600"})
    void waitsLongerAfterEachFailureWithinTwentyPercent(int failed, long seconds) {
        Duration base = Duration.ofSeconds(seconds);

        assertThat(schedule.after(failed, 0.5)).isEqualTo(base);
        assertThat(schedule.after(failed, 0.0)).isEqualTo(Duration.ofMillis(base.toMillis() * 8 / 10));
        assertThat(schedule.after(failed, 0.999999)).isBetween(Duration.ofMillis(base.toMillis() * 119 / 100),
                Duration.ofMillis(base.toMillis() * 12 / 10));
        assertThat(schedule.after(failed)).isBetween(Duration.ofMillis(base.toMillis() * 8 / 10),
                Duration.ofMillis(base.toMillis() * 12 / 10));
    }

    @Test
    void aConfiguredScheduleRepeatsItsLastDelay() {
        RetrySchedule quick = new RetrySchedule(java.util.List.of(Duration.ofMillis(100), Duration.ofMillis(400)));

        assertThat(quick.after(1, 0.5)).isEqualTo(Duration.ofMillis(100));
        assertThat(quick.after(2, 0.5)).isEqualTo(Duration.ofMillis(400));
        assertThat(quick.after(9, 0.5)).isEqualTo(Duration.ofMillis(400));
    }
}
