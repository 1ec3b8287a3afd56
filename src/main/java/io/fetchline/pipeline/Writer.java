package io.fetchline.pipeline;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import io.fetchline.metrics.FetchlineMetrics;

/**
 * One writer thread: stores chunks at their offsets and, after the last chunk of a transfer, hands it to the
 * finisher. An I/O error fails the transfer, never the thread.
 */
final class Writer implements Runnable {

    private final Pipeline pipeline;
    private final BlockingQueue<Chunk> writeQueue;
    private final ChunkPool pool;
    private final Finisher finisher;
    private final FetchlineMetrics metrics;

    Writer(Pipeline pipeline, BlockingQueue<Chunk> writeQueue, Finisher finisher, FetchlineMetrics metrics) {
        this.pipeline = pipeline;
        this.writeQueue = writeQueue;
        this.pool = pipeline.pool();
        this.finisher = finisher;
        this.metrics = metrics;
    }

    @Override
    public void run() {
        try {
            // Writers outlive the fetchers at shutdown, so every chunk already read reaches its file.
            while (!pipeline.writersMayStop() || !writeQueue.isEmpty()) {
                Chunk chunk = writeQueue.poll(100, TimeUnit.MILLISECONDS);
                if (chunk != null) {
                    metrics.writers().incrementAndGet();
                    try {
                        handle(chunk);
                    } finally {
                        metrics.writers().decrementAndGet();
                    }
                }
            }
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    private void handle(Chunk chunk) {
        Transfer transfer = chunk.transfer();
        if (chunk.buffer() != null) {
            write(transfer, chunk);
            pool.give(chunk.buffer());
        }
        if (chunk.last()) {
            transfer.endReached = true;
        }
        if (transfer.pending.decrementAndGet() == 0 && transfer.endReached) {
            finisher.finish(transfer);
        }
    }

    private static void write(Transfer transfer, Chunk chunk) {
        if (transfer.storageFailure != null) {
            return;
        }
        try {
            ByteBuffer bytes = ByteBuffer.wrap(chunk.buffer(), 0, chunk.length());
            long position = chunk.offset();
            while (bytes.hasRemaining()) {
                position += transfer.channel.write(bytes, position);
            }
            transfer.stored(chunk.offset(), chunk.length());
        } catch (IOException | RuntimeException ex) {
            transfer.storageFailure = ex;
        }
    }
}
