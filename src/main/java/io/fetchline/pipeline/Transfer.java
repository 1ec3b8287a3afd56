package io.fetchline.pipeline;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.fetchline.fetch.FetchFailure;
import io.fetchline.fetch.Cancellation;
import io.fetchline.job.Item;
import io.fetchline.job.ItemError;
import io.fetchline.job.ItemState;
import io.fetchline.job.Segment;

/**
 * One attempt at one claimed item, shared by the fetcher that reads it and the writer that stores its chunks.
 * Ownership of the plain fields passes with the chunks: the fetcher owns them until it queues the end chunk,
 * then the writer that stores it and the finisher it calls; the queue hand-off orders their writes before the
 * writer's reads. The finisher runs on that writer's thread, or on the recorder's once the file name is stored,
 * or on the thread that stops the pipeline; one at a time, as each hands it on. The recorder reads {@code size}, {@code httpStatus} and {@code validator} for progress without
 * a lock and may see them a moment old, which the next tick corrects. Other fields that several threads touch are
 * volatile or guarded, as each says.
 */
final class Transfer {

    /** Why a transfer stops before its end, the strongest reason winning. */
    enum Stop {
        /** Paused, or the service shuts down: the bytes stored stay, and the item goes back to the queue. */
        RELEASE,
        /** The claim is gone (its record was refused): touch neither the store nor the file again. */
        LOST,
        /** Cancelled: the partial file goes; the cancel recorded the item already. */
        CANCEL;

        static Stop strongest(Stop a, Stop b) {
            return a.compareTo(b) >= 0 ? a : b;
        }
    }

    final Item item;
    /** The fencing token of the claim: every record of this attempt must match it in the store. */
    final long claim;
    final int attempt;
    final Instant startedAt;
    /** Seeded by the fetcher when it resumes a file, then fed by the writer chunk by chunk. */
    final MessageDigest digest = newSha256();
    /**
     * The digest holds the file's bytes up to here. The writer feeds it the chunks that continue it; the finisher
     * reads back whatever a segmented transfer stored beyond it. Owned as the plain fields below.
     */
    long hashed;
    /** The writer that stores this attempt's chunks, all of them. */
    final int writer;
    /** Chunks handed to the writers and not yet stored, the end chunk included. */
    final AtomicInteger pending = new AtomicInteger();

    /** Set by the fetcher; read by the recorder, which stores a name as soon as one is reserved. */
    volatile String file;
    Long size;
    Integer httpStatus;
    String validator;
    FileChannel channel;
    /** The same file opened for O_DIRECT by the writer, at its first bulk chunk; null if that was refused. */
    FileChannel direct;
    boolean directTried;
    FetchFailure failure;
    /** The chunk that completes the file, held back by the fetcher to go to the writers as the last one. */
    Chunk tail;
    /** The stored bytes no longer belong to this file: the next attempt starts from zero. */
    boolean restart;
    /**
     * The file's segments, when it is fetched over several connections: set by the fetcher before the first chunk
     * of any of them is queued, read by the writer, the recorder and whoever stops the transfer.
     */
    volatile Segments segments;

    /**
     * The store knows this attempt's file name (set by the recorder). A file renamed into place before that could,
     * after a crash, be fetched again under a new name, so completion waits for it.
     */
    volatile boolean nameRecorded;
    /** Bytes received: set by the fetcher (the finisher resets it when it discards the file), read by the recorder. */
    volatile long bytes;
    /** The end chunk was stored: set by the writer. */
    volatile boolean endReached;
    /** Set by whoever stops the transfer (a pause, a cancel, shutdown, a refused record); guarded by {@code this}. */
    private Stop stop;
    /** Set by the writer, read by the fetcher, which then stops reading. */
    volatile Exception storageFailure;
    /** Lets a stop from another thread abort the request, whatever it waits for. */
    final Cancellation cancellation = new Cancellation();

    /**
     * Length of the gap-free start of the file, which is all a resume may rely on. -1 until the file is open.
     * Guarded by {@code this}: the writer adds to it, the recorder reads it.
     */
    private long storedPrefix = -1;
    /** Chunks stored beyond a gap, by offset, until the gap is filled; guarded by {@code this}. */
    private final TreeMap<Long, Integer> storedAhead = new TreeMap<>();

    Transfer(Item item, long claim, Instant startedAt, int writer) {
        this.item = item;
        this.claim = claim;
        this.writer = writer;
        this.attempt = item.attempts() + 1;
        this.startedAt = item.startedAt() != null ? item.startedAt() : startedAt;
        this.file = item.file();
        this.nameRecorded = item.file() != null;
        this.size = item.size();
        this.validator = item.validator();
        this.bytes = item.bytes();
    }

    /** Stops the transfer for {@code why}, unless it stops for a stronger reason already, and aborts its request. */
    void stop(Stop why) {
        synchronized (this) {
            stop = stop == null ? why : Stop.strongest(stop, why);
        }
        cancellation.cancel();
        Segments split = segments;
        if (split != null) {
            split.stop();
        }
    }

    /**
     * From now on the file is stored in these segments; a stop that came before reaches their requests too. Null
     * goes back to one connection.
     */
    void segmented(Segments split) {
        segments = split;
        if (split != null && stop() != null) {
            split.stop();
        }
    }

    /** Why the transfer was stopped, or null while nothing stopped it. */
    synchronized Stop stop() {
        return stop;
    }

    /** Closes the file, and its O_DIRECT twin if the writer opened one. */
    void closeFiles() throws IOException {
        try {
            if (channel != null) {
                channel.close();
            }
        } finally {
            if (direct != null) {
                direct.close();
            }
        }
    }

    /** The file is open and holds exactly the {@code from} bytes the body continues. */
    synchronized void writesFrom(long from) {
        storedPrefix = from;
        bytes = from;
    }

    /** A writer has stored a chunk. */
    void stored(long offset, int length) {
        Segments split = segments;
        if (split != null) {
            split.stored(offset, length);
            return;
        }
        storedInOrder(offset, length);
    }

    private synchronized void storedInOrder(long offset, int length) {
        storedAhead.put(offset, length);
        while (!storedAhead.isEmpty() && storedAhead.firstKey() <= storedPrefix) {
            var next = storedAhead.pollFirstEntry();
            storedPrefix = Math.max(storedPrefix, next.getKey() + next.getValue());
        }
    }

    /** Bytes that are on disk without a gap; before the first write, those the attempt started from. */
    long storedBytes() {
        Segments split = segments;
        if (split != null) {
            return split.storedBytes();
        }
        synchronized (this) {
            return storedPrefix >= 0 ? storedPrefix : bytes;
        }
    }

    /** The segments with their stored extents, as the item records them while it is unfinished. */
    private List<Segment> storedSegments() {
        Segments split = segments;
        return split == null ? List.of() : split.snapshot();
    }

    String sha256Hex() {
        return HexFormat.of().formatHex(digest.digest());
    }

    /** The item as this attempt ends it; one that waits for its next attempt keeps its segments' stored bytes. */
    Item snapshot(ItemState state, String sha256, ItemError error, Instant finishedAt) {
        List<Segment> split = state.isTerminal() ? List.of() : storedSegments();
        return new Item(item.jobId(), item.index(), item.url(), item.requestedName(), item.expectedSha256(), state,
                file, split.isEmpty() ? bytes : stored(split), size, sha256, httpStatus, attempt, error, validator,
                startedAt, finishedAt, split);
    }

    /**
     * An item let go of without an outcome (paused, shut down): back in the queue with the bytes stored, its
     * attempt not counted.
     */
    static Item released(Item item) {
        return new Item(item.jobId(), item.index(), item.url(), item.requestedName(), item.expectedSha256(),
                ItemState.QUEUED, item.file(), item.bytes(), item.size(), null, item.httpStatus(), item.attempts(),
                null, item.validator(), item.startedAt(), null, item.segments());
    }

    /** This attempt let go of without an outcome: the item back in the queue with what it stored, uncounted. */
    Item released() {
        Item progress = progress();
        return released(new Item(progress.jobId(), progress.index(), progress.url(), progress.requestedName(),
                progress.expectedSha256(), progress.state(), progress.file(), progress.bytes(), progress.size(),
                null, progress.httpStatus(), item.attempts(), null, progress.validator(), progress.startedAt(),
                null, progress.segments()));
    }

    /** The item while its attempt runs, with only the bytes already stored without a gap. */
    Item progress() {
        List<Segment> split = storedSegments();
        return new Item(item.jobId(), item.index(), item.url(), item.requestedName(), item.expectedSha256(),
                ItemState.ACTIVE, file, split.isEmpty() ? storedBytes() : stored(split), size, null, httpStatus,
                attempt, null, validator, startedAt, null, split);
    }

    /** The bytes of an item's file that a resume keeps: its segments' stored extents together. */
    private static long stored(List<Segment> segments) {
        long sum = 0;
        for (Segment segment : segments) {
            sum += segment.stored();
        }
        return sum;
    }

    private static final MessageDigest SHA256 = sha256();

    /**
     * Hashes a few megabytes in small pieces, so that the JIT compiles the digest's update path, with its
     * SHA-NI/AVX intrinsic, before the first download. A download calls update once per chunk, far too seldom to
     * get it compiled soon; until then SHA-256 runs as plain Java at a tenth of the speed, and large files crawl
     * for the first minutes of a fresh process.
     */
    static void warmUpDigest() {
        MessageDigest digest = newSha256();
        byte[] block = new byte[4096];
        for (int i = 0; i < 20_000; i++) {
            digest.update(block, 0, block.length);
            if (i % 64 == 0) {
                digest.digest();
            }
        }
    }

    /** A copy of a fresh digest: cheaper than looking the algorithm up among the providers for every item. */
    private static MessageDigest newSha256() {
        try {
            return (MessageDigest) SHA256.clone();
        } catch (CloneNotSupportedException ex) {
            return sha256();
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException("every JVM has SHA-256", ex);
        }
    }
}
