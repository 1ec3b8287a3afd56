package io.fetchline.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;

import org.junit.jupiter.api.Test;

/** The bandwidth limit's bucket on its own, with real threads and the real clock. */
class TokenBucketTests {

    private static final int MiB = 1024 * 1024;

    @Test
    void aFullBucketLetsThroughNoMoreThanATenthOfASecondAheadOfTheRate() {
        TokenBucket bucket = new TokenBucket(MiB);
        long half = Duration.ofMillis(500).toNanos();

        long taken = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            long sum = 0;
            for (long start = System.nanoTime(); System.nanoTime() - start < half; ) {
                sum += bucket.take(bucket.quantum(), () -> false);
            }
            return sum;
        });

        // Half a second at the rate, the bucket's tenth of a second, and the read that crossed the half; a
        // loaded machine may take less, never more.
        assertThat(taken).isLessThanOrEqualTo(MiB / 2 + MiB / 10 + bucket.quantum()).isGreaterThan(MiB / 4);
    }

    @Test
    void aReadSizedForAHigherLimitGetsWhatTheLoweredOneAllows() {
        TokenBucket bucket = new TokenBucket(MiB);
        int sized = bucket.quantum();
        bucket.rate(1024);

        int taken = assertTimeoutPreemptively(Duration.ofSeconds(1), () -> bucket.take(sized, () -> false));

        // At most what the bucket holds at the lower limit: a tenth of a second of it.
        assertThat(taken).isPositive().isLessThanOrEqualTo(1024 / 10).isLessThan(sized);
    }

    @Test
    void aLiftedLimitTakesNothingAndLetsEveryReadThrough() {
        TokenBucket bucket = new TokenBucket(1024);
        bucket.rate(0);

        int taken = assertTimeoutPreemptively(Duration.ofSeconds(1), () -> bucket.take(64 * 1024, () -> false));

        assertThat(taken).isZero();
    }
}
