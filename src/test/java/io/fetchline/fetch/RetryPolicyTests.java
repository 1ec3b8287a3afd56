package io.fetchline.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.stream.IntStream;

import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;


class RetryPolicyTests {

    private final RetryPolicy policy = new RetryPolicy(5, Duration.ofSeconds(1), Duration.ofSeconds(60));

    @ParameterizedTest(name = "{0} {1}: retried {2}")
    @CsvSource(nullValues = "-", textBlock = """
            CONNECTION,         -,   true
            TIMEOUT,            -,   true
            TRUNCATED,          -,   true
            PROTOCOL,           -,   true
            HTTP_STATUS,        408, true
            HTTP_STATUS,        429, true
            HTTP_STATUS,        500, true
            HTTP_STATUS,        502, true
            HTTP_STATUS,        503, true
            HTTP_STATUS,        504, true
            HTTP_STATUS,        400, false
            HTTP_STATUS,        401, false
            HTTP_STATUS,        403, false
            HTTP_STATUS,        404, false
            HTTP_STATUS,        410, false
            HTTP_STATUS,        416, false
            HTTP_STATUS,        501, false
            HTTP_STATUS,        505, false
            TOO_LARGE,          -,   false
            CHECKSUM_MISMATCH,  -,   false
            BLOCKED_ADDRESS,    -,   false
            REDIRECT_LIMIT,     -,   false
            UNSUPPORTED_SCHEME, -,   false
            STORAGE,            -,   false
            """)
    void retriesOnlyWhatMayGoBetter(ErrorCode code, Integer status, boolean retried) {
        FetchFailure failure = new FetchFailure(code, "x", status, null, null);

        assertThat(policy.isTransient(failure)).isEqualTo(retried);
        assertThat(policy.shouldRetry(failure, 1)).isEqualTo(retried);
    }

    @Test
    void maxAttemptsCountsTheFirstTry() {
        FetchFailure failure = new FetchFailure(ErrorCode.TIMEOUT, "x");

        assertThat(policy.shouldRetry(failure, 4)).isTrue();
        assertThat(policy.shouldRetry(failure, 5)).isFalse();
    }

    @ParameterizedTest(name = "before attempt {0}: {1} ms to {2} ms")
    @CsvSource(textBlock = """
            2,   500,  1000
            3,  1000,  2000
            4,  2000,  4000
            7, 16000, 32000
            8, 30000, 60000
            30, 30000, 60000
            """)
    void backoffDoublesWithJitterUpToTheCap(int attempt, long lowest, long highest) {
        for (int i = 0; i < 200; i++) {
            assertThat(policy.delayBefore(attempt, new FetchFailure(ErrorCode.CONNECTION, "x")).toMillis())
                    .isBetween(lowest, highest);
        }
    }

    @RepeatedTest(3)
    void jitterSpreadsItemsThatFailTogether() {
        long distinct = IntStream.range(0, 50)
                .mapToObj(i -> policy.delayBefore(4, new FetchFailure(ErrorCode.CONNECTION, "x")))
                .distinct().count();

        assertThat(distinct).isGreaterThan(10);
    }

    @ParameterizedTest(name = "Retry-After {0}: wait {1} s")
    @CsvSource(textBlock = """
            '5',                              5
            '120',                            60
            'Thu, 26 Nov 2026 09:00:30 GMT',  30
            'Thu, 26 Nov 2026 09:05:00 GMT',  60
            'Thu, 26 Nov 2026 08:00:00 GMT',  0
            """)
    void honoursRetryAfterUpToTheCap(String header, long seconds) {
        Duration retryAfter = RetryPolicy.parseRetryAfter(header, Instant.parse("2026-11-26T09:00:00Z"));
        FetchFailure failure = new FetchFailure(ErrorCode.HTTP_STATUS, "503", 503, retryAfter, null);

        assertThat(policy.delayBefore(2, failure)).isEqualTo(Duration.ofSeconds(seconds));
    }

    @ParameterizedTest
    @CsvSource(textBlock = """
            ''
            '-1'
            'soon'
            '1.5'
            """)
    void unreadableRetryAfterFallsBackToBackoff(String header) {
        assertThat(RetryPolicy.parseRetryAfter(header, Instant.now())).isNull();
    }

    @ParameterizedTest(name = "Retry-After {0} s, cap {1} ms: \"{2}\"")
    @CsvSource(textBlock = """
            120, 60000, '; last Retry-After 120s capped to 60s'
            30,  60000, '; last Retry-After 30s'
            5,   200,   '; last Retry-After 5s capped to 200ms'
            5,   1500,  '; last Retry-After 5s capped to 1.5s'
            """)
    void describesTheLastRetryAfterAndItsCap(long retryAfter, long capMillis, String described) {
        RetryPolicy capped = new RetryPolicy(5, Duration.ofMillis(20), Duration.ofMillis(capMillis));
        FetchFailure failure = new FetchFailure(ErrorCode.HTTP_STATUS, "503", 503,
                Duration.ofSeconds(retryAfter), null);

        assertThat(capped.describeRetryAfter(failure)).isEqualTo(described);
    }
}
