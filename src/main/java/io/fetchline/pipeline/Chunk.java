package io.fetchline.pipeline;

/**
 * Bytes of one transfer on their way from a fetcher to a writer, or (with no buffer) the mark that the fetcher
 * is done with the transfer.
 */
record Chunk(Transfer transfer, byte[] buffer, int length, long offset) {

    static Chunk end(Transfer transfer) {
        return new Chunk(transfer, null, 0, -1);
    }

    boolean isEnd() {
        return buffer == null;
    }
}
