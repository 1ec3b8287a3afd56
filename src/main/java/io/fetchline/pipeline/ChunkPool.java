package io.fetchline.pipeline;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Reused chunk buffers, allocated on first need up to a fixed count: the pipeline's memory is this count times
 * the chunk size, whatever the size of the files or jobs.
 */
final class ChunkPool {

    private final BlockingQueue<byte[]> free;
    private final int chunkSize;
    private final int limit;
    private final AtomicInteger allocated = new AtomicInteger();

    ChunkPool(int limit, int chunkSize) {
        this.free = new ArrayBlockingQueue<>(limit);
        this.chunkSize = chunkSize;
        this.limit = limit;
    }

    byte[] take() throws InterruptedException {
        byte[] buffer = free.poll();
        if (buffer != null) {
            return buffer;
        }
        if (allocated.getAndIncrement() < limit) {
            return new byte[chunkSize];
        }
        allocated.decrementAndGet();
        return free.take();
    }

    void give(byte[] buffer) {
        free.offer(buffer);
    }
}
