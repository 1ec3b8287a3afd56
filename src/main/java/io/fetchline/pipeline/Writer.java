package io.fetchline.pipeline;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import io.fetchline.metrics.FetchlineMetrics;
import io.fetchline.storage.Storage;

/**
 * One writer thread: hashes and stores chunks at their offsets and, after the last chunk of a transfer, hands it
 * to the finisher. An I/O error fails the transfer, never the thread.
 */
final class Writer implements Runnable {

    private static final int STAGING_BYTES = 1024 * 1024;

    private final Pipeline pipeline;
    private final BlockingQueue<Chunk> writeQueue;
    private final ChunkPool pool;
    private final Finisher finisher;
    private final FetchlineMetrics metrics;
    private final Storage storage;
    private ByteBuffer staging;

    Writer(Pipeline pipeline, BlockingQueue<Chunk> writeQueue, Finisher finisher, FetchlineMetrics metrics,
            Storage storage) {
        this.pipeline = pipeline;
        this.writeQueue = writeQueue;
        this.pool = pipeline.pool();
        this.finisher = finisher;
        this.metrics = metrics;
        this.storage = storage;
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

    private void handle(Chunk first) {
        Transfer transfer = first.transfer();
        boolean direct = first.buffer() != null && first.length() <= STAGING_BYTES
                && storage.writesDirect(first.offset(), first.length());
        List<Chunk> run = direct ? run(first) : List.of(first);
        // Hashing here takes it off the thread that reads the socket, where it cost twice the CPU (bench/README.md).
        // A transfer's chunks all come to this writer, in stream order, which is the order the digest needs; of a
        // segmented file, those that continue the digest are hashed here, the finisher reads the others back.
        for (Chunk chunk : run) {
            if (chunk.buffer() != null && chunk.offset() == transfer.hashed) {
                transfer.digest.update(chunk.buffer(), 0, chunk.length());
                transfer.hashed += chunk.length();
            }
        }
        write(transfer, run, direct);
        for (Chunk chunk : run) {
            if (chunk.buffer() != null) {
                pool.give(chunk.buffer());
            }
            if (chunk.last()) {
                transfer.endReached = true;
            }
            if (transfer.pending.decrementAndGet() == 0 && transfer.endReached) {
                finisher.finish(transfer);
            }
        }
    }

    /**
     * A chunk that goes past the page cache, and the chunks of the same file that continue it and wait next in
     * the queue, up to one staging buffer: a direct write waits for the device, and the disk takes one 1 MiB
     * write in about the time of two of 256 KiB. The queue only holds several when the disk is what limits.
     */
    private List<Chunk> run(Chunk first) {
        List<Chunk> run = new ArrayList<>(4);
        run.add(first);
        long end = first.offset() + first.length();
        int length = first.length();
        Chunk next;
        // This writer is the queue's only consumer: the chunk peeked at is the one polled.
        while ((next = writeQueue.peek()) != null && next.transfer() == first.transfer() && next.buffer() != null
                && next.offset() == end && length + next.length() <= STAGING_BYTES
                && storage.writesDirect(next.offset(), next.length())) {
            run.add(writeQueue.poll());
            end += next.length();
            length += next.length();
        }
        return run;
    }

    private void write(Transfer transfer, List<Chunk> run, boolean direct) {
        if (transfer.storageFailure != null || run.get(0).buffer() == null) {
            return;
        }
        try {
            if (!direct || !writeDirect(transfer, run)) {
                for (Chunk chunk : run) {
                    writeFully(transfer.channel, ByteBuffer.wrap(chunk.buffer(), 0, chunk.length()), chunk.offset());
                    metrics.written(false, chunk.length());
                }
            }
            for (Chunk chunk : run) {
                transfer.stored(chunk.offset(), chunk.length());
            }
        } catch (IOException | RuntimeException ex) {
            transfer.storageFailure = ex;
        }
    }

    /**
     * Writes a run of bulk chunks past the page cache in one write; false when the file cannot be opened for
     * that, or the direct write failed. A failure is not reported here: the same writes through the cache
     * follow, and fail too if the disk is full or gone.
     */
    private boolean writeDirect(Transfer transfer, List<Chunk> run) {
        if (!transfer.directTried) {
            transfer.directTried = true;
            transfer.direct = storage.openDirect(transfer.item.jobId(), transfer.file);
        }
        if (transfer.direct == null) {
            return false;
        }
        ByteBuffer bytes = staging();
        for (Chunk chunk : run) {
            bytes.put(chunk.buffer(), 0, chunk.length());
        }
        bytes.flip();
        int length = bytes.remaining();
        try {
            writeFully(transfer.direct, bytes, run.get(0).offset());
        } catch (IOException ex) {
            return false;
        }
        metrics.written(true, length);
        return true;
    }

    /**
     * The writer's own buffer for direct writes, aligned as O_DIRECT needs: writing a heap array would make the
     * JDK copy it into a temporary aligned buffer anyway, one per call.
     */
    private ByteBuffer staging() {
        if (staging == null) {
            int alignment = storage.blockSize();
            staging = ByteBuffer.allocateDirect(STAGING_BYTES + alignment).alignedSlice(alignment)
                    .limit(STAGING_BYTES).slice();
        }
        return staging.clear();
    }

    private static void writeFully(FileChannel channel, ByteBuffer bytes, long offset) throws IOException {
        long position = offset;
        while (bytes.hasRemaining()) {
            position += channel.write(bytes, position);
        }
    }
}
