package io.fetchline.pipeline;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * A bandwidth limit as a token bucket of bytes, shared by the threads that read through it. A reader takes its
 * allowance before it reads, waiting while the bucket holds too little, and gives back what it did not read; so
 * the bytes read never run ahead of the tokens by more than the bucket holds, a tenth of a second of the rate.
 * The wait blocks the reading thread: the body stays in the socket, and TCP slows the sender, so throttling holds
 * no buffer of its own. The rate changes in place, waking every waiter, so a new limit holds at once for the
 * transfers already reading.
 *
 * <p>Own code rather than a library: Guava's RateLimiter keeps a fixed second of burst, cannot give tokens back
 * and sleeps uninterruptibly through a rate change; Bucket4j's blocking consume reserves ahead and parks for the
 * old rate's time. Neither wakes a waiter when the limit changes or its transfer stops.
 */
final class TokenBucket {

    /** The largest read one allowance covers: more only adds burst, as reads are cheap at any rate worth limiting. */
    private static final int MAX_QUANTUM = 64 * 1024;
    private static final int MIN_QUANTUM = 16;
    /** How long a waiter sleeps at most before it looks again whether its transfer was stopped. */
    private static final long WAIT_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long NANOS_PER_SECOND = TimeUnit.SECONDS.toNanos(1);

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    /** Bytes per second; 0 once the limit is lifted, which lets every reader through. Guarded by {@code lock}. */
    private long rate;
    /** Guarded by {@code lock}, as are {@code tokens} and {@code refilledAt}. */
    private long capacity;
    private double tokens;
    private long refilledAt;
    /** Read without the lock by readers sizing their next read. */
    private volatile int quantum;

    TokenBucket(long bytesPerSecond) {
        refilledAt = System.nanoTime();
        rate(bytesPerSecond);
        tokens = capacity;
    }

    /** The most a reader should read under this limit at once. */
    int quantum() {
        return quantum;
    }

    /**
     * Takes an allowance of {@code bytes}, or of what the bucket holds at most if that is less (the limit was
     * lowered since the reader sized its read), waiting until the bucket holds it.
     *
     * @return the bytes taken, which the reader may read and gives back what it did not read of with
     *     {@link #giveBack}; 0 when it took nothing, as the limit was lifted or {@code stopped} says the reader's
     *     transfer ends
     */
    int take(int bytes, BooleanSupplier stopped) throws InterruptedException {
        lock.lock();
        try {
            while (rate > 0) {
                int wanted = (int) Math.min(bytes, capacity);
                refill(System.nanoTime());
                if (tokens >= wanted) {
                    tokens -= wanted;
                    return wanted;
                }
                if (stopped.getAsBoolean()) {
                    return 0;
                }
                long missing = (long) Math.ceil((wanted - tokens) * NANOS_PER_SECOND / rate);
                changed.awaitNanos(Math.min(Math.max(missing, 1), WAIT_SLICE_NANOS));
            }
            return 0;
        } finally {
            lock.unlock();
        }
    }

    /** Returns tokens taken for bytes that were not read. */
    void giveBack(int bytes) {
        if (bytes <= 0) {
            return;
        }
        lock.lock();
        try {
            tokens = Math.min(capacity, tokens + bytes);
        } finally {
            lock.unlock();
        }
    }

    /** Changes the limit for every reader, those waiting included; 0 lifts it. */
    void rate(long bytesPerSecond) {
        lock.lock();
        try {
            refill(System.nanoTime());
            rate = Math.max(0, bytesPerSecond);
            // A tenth of a second: a full bucket adds at most 5 % to any two seconds, so progress stays smooth, and
            // a reader that a busy machine holds up for less than that loses none of its rate.
            capacity = Math.max(4 * MIN_QUANTUM, rate / 10);
            // A read of a quarter of the bucket leaves three quarters of slack: a reader that runs late after
            // waiting for its allowance finds the tokens that came meanwhile still there.
            quantum = (int) Math.min(MAX_QUANTUM, Math.max(MIN_QUANTUM, capacity / 4));
            tokens = Math.min(tokens, capacity);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void refill(long now) {
        long elapsed = now - refilledAt;
        refilledAt = now;
        if (elapsed > 0 && rate > 0) {
            tokens = Math.min(capacity, tokens + (double) elapsed * rate / NANOS_PER_SECOND);
        }
    }
}
