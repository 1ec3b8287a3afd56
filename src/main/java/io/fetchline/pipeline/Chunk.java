package io.fetchline.pipeline;

/**
 * Bytes of one transfer on their way from a fetcher to a writer. The {@code last} one also says the fetcher is
 * done with the transfer; it has no buffer when the attempt ended without bytes still to store. A small file is
 * then one hand-off from fetcher to writer.
 */
record Chunk(Transfer transfer, byte[] buffer, int length, long offset, boolean last) {

    static Chunk end(Transfer transfer) {
        return new Chunk(transfer, null, 0, -1, true);
    }

    Chunk asLast() {
        return new Chunk(transfer, buffer, length, offset, true);
    }
}
