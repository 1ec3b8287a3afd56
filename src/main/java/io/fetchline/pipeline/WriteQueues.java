package io.fetchline.pipeline;

import java.util.AbstractCollection;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The chunks waiting for the writers: one queue per writer, and every chunk of a transfer in the same one. Two
 * threads writing one file contend for its inode lock in the kernel, which spins, and that cost three times the
 * CPU of the writes themselves on two large files; one writer per file also writes it in order.
 */
final class WriteQueues extends AbstractCollection<Chunk> {

    private final List<BlockingQueue<Chunk>> queues = new ArrayList<>();
    private final AtomicInteger next = new AtomicInteger();

    /** {@code capacity} chunks in all, shared out between the writers. */
    WriteQueues(int writers, int capacity) {
        for (int i = 0; i < writers; i++) {
            queues.add(new ArrayBlockingQueue<>(Math.max(1, capacity / writers + (i < capacity % writers ? 1 : 0))));
        }
    }

    /** The writer that stores all chunks of a new transfer: each in turn. */
    int assign() {
        return Math.floorMod(next.getAndIncrement(), queues.size());
    }

    void put(Chunk chunk) throws InterruptedException {
        queues.get(chunk.transfer().writer).put(chunk);
    }

    BlockingQueue<Chunk> of(int writer) {
        return queues.get(writer);
    }

    @Override
    public int size() {
        int size = 0;
        for (BlockingQueue<Chunk> queue : queues) {
            size += queue.size();
        }
        return size;
    }

    @Override
    public Iterator<Chunk> iterator() {
        List<Chunk> all = new ArrayList<>();
        queues.forEach(all::addAll);
        return all.iterator();
    }
}
