package io.fetchline.storage;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;

import com.sun.nio.file.ExtendedOpenOption;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import io.fetchline.config.FetchlineProperties;

/**
 * Job folders under the storage root. A file is written as {@code <name>.part} and appears under its name only
 * when complete; the {@code .part} file is also what reserves the name, so two fetchers never pick the same one.
 */
@Component
public class Storage {

    private static final Logger log = LoggerFactory.getLogger(Storage.class);

    public static final String PART = ".part";
    /**
     * Smallest write that goes past the page cache. A direct write waits for the device, which costs small files
     * more than the cache does: 16 KiB files written directly came in 25–50 % slower, while 256 KiB chunks cost
     * a quarter of the CPU (bench/README.md).
     */
    private static final int DIRECT_MIN_BYTES = 128 * 1024;
    private static final int MAX_NUMBERED = 100_000;
    private static final int READ_BACK_BYTES = 1024 * 1024;
    private static final Pattern JOB_FOLDER = Pattern.compile(
            "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    private static final int MAX_NAME_BYTES = 255;

    private final Path root;
    private final FileNamer namer;
    private final boolean fsync;
    private final Charset platformCharset;
    /** Off when configured so, or once the file system has refused O_DIRECT. */
    private volatile boolean directIo;
    /** Whether an O_DIRECT open has worked here yet: a first refusal means the file system does not take it. */
    private volatile boolean directWorked;
    /** The alignment O_DIRECT needs, the file system's block size; 0 until the first direct write asks. */
    private volatile int blockSize;

    public Storage(FetchlineProperties properties) {
        this.root = properties.storage().root().toAbsolutePath().normalize();
        this.namer = FileNamer.forPlatform();
        this.fsync = properties.storage().fsync();
        this.directIo = properties.storage().directIo();
        this.platformCharset = FileNamer.platformCharset(System.getProperty("sun.jnu.encoding"),
                System.getProperty("file.encoding"));
    }

    public Path root() {
        return root;
    }

    public FileNamer namer() {
        return namer;
    }

    public Path folder(UUID jobId) {
        return root.resolve(jobId.toString());
    }

    public Path part(UUID jobId, String file) {
        return inside(folder(jobId), partName(file));
    }

    public Path file(UUID jobId, String file) {
        return inside(folder(jobId), file);
    }

    /** A claimed name and its {@code .part} file, created empty and open for writing. */
    public record Reservation(String name, FileChannel channel) {
    }

    /**
     * Claims the first free one of {@code name}, {@code name-1.ext}, {@code name-2.ext}, … in the job's folder by
     * creating its empty {@code .part} file, and returns the claimed name with that file open for writing.
     */
    public Reservation reserve(UUID jobId, String name) throws IOException {
        Path folder = folder(jobId);
        for (int n = 0; n < MAX_NUMBERED; n++) {
            String candidate = n == 0 ? name : namer.numbered(name, n);
            Path target = inside(folder, candidate);
            if (Files.exists(target)) {
                continue;
            }
            FileChannel channel;
            try {
                channel = createPart(folder, candidate);
            } catch (FileAlreadyExistsException taken) {
                continue;
            }
            // Another item may have renamed its finished file into this name between our two checks.
            if (Files.exists(target)) {
                channel.close();
                Files.deleteIfExists(inside(folder, partName(candidate)));
                continue;
            }
            return new Reservation(candidate, channel);
        }
        throw new IOException("no free name for " + name + " in " + folder);
    }

    private FileChannel createPart(Path folder, String name) throws IOException {
        Path part = inside(folder, partName(name));
        try {
            return FileChannel.open(part, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        } catch (NoSuchFileException noFolder) {
            // The job's first file, or its folder was removed since: creating it first on every file costs syscalls.
            Files.createDirectories(folder);
            return FileChannel.open(part, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        }
    }

    /**
     * Whether {@code length} bytes at {@code offset} go past the page cache: a bulk write at a block-aligned
     * offset and of whole blocks, which is what O_DIRECT takes.
     */
    public boolean writesDirect(long offset, int length) {
        if (!directIo || length < DIRECT_MIN_BYTES) {
            return false;
        }
        int alignment = blockSize;
        if (alignment == 0) {
            try {
                alignment = (int) Files.getFileStore(root).getBlockSize();
                blockSize = alignment;
            } catch (IOException | UnsupportedOperationException ex) {
                refuseDirect(ex);
                return false;
            }
        }
        return offset % alignment == 0 && length % alignment == 0;
    }

    /** The alignment of direct writes; known once {@link #writesDirect} has said yes. */
    public int blockSize() {
        return blockSize;
    }

    /**
     * Opens the {@code .part} file a second time, for O_DIRECT writes; null when that fails, and for good when the
     * file system has never taken it (tmpfs before Linux 6.6, some network and FUSE file systems).
     */
    public FileChannel openDirect(UUID jobId, String file) {
        try {
            FileChannel channel = FileChannel.open(part(jobId, file), StandardOpenOption.WRITE,
                    ExtendedOpenOption.DIRECT);
            directWorked = true;
            return channel;
        } catch (IOException | UnsupportedOperationException ex) {
            if (!directWorked) {
                refuseDirect(ex);
            }
            return null;
        }
    }

    private void refuseDirect(Exception why) {
        if (directIo) {
            directIo = false;
            log.info("Writing through the page cache: {} does not take O_DIRECT ({})", root, why.toString());
        }
    }

    /**
     * Moves a complete {@code .part} file to its name in one atomic step. With fsync the folder is forced too:
     * the file's bytes are already on disk, and without this the rename itself could be lost to a power cut
     * after the item is recorded as succeeded.
     */
    public void complete(UUID jobId, String file) throws IOException {
        Files.move(part(jobId, file), file(jobId, file), StandardCopyOption.ATOMIC_MOVE);
        if (fsync) {
            try (FileChannel folder = FileChannel.open(folder(jobId), StandardOpenOption.READ)) {
                folder.force(true);
            }
        }
    }

    public void discard(UUID jobId, String file) {
        try {
            Files.deleteIfExists(part(jobId, file));
        } catch (IOException ignored) {
            // A leftover .part file is removed by the next start's clean-up.
        }
    }

    /** Cuts the job's {@code .part} file down to {@code length} bytes if it is longer. */
    public void trimPart(UUID jobId, String file, long length) throws IOException {
        try (FileChannel channel = FileChannel.open(part(jobId, file), StandardOpenOption.WRITE)) {
            if (channel.size() > length) {
                channel.truncate(length);
            }
        }
    }

    /** Removes every {@code .part} file of the job; finished files stay. */
    public void discardParts(UUID jobId) {
        try {
            for (Path part : parts(jobId)) {
                Files.deleteIfExists(part);
            }
        } catch (IOException ignored) {
            // Leftover .part files are removed by the next start's clean-up.
        }
    }

    /**
     * Claims {@code file} again for an item that already owns the name but lost its {@code .part} file, so no
     * other item takes the name meanwhile. False when the name is held by a file already.
     */
    public boolean reclaim(UUID jobId, String file) throws IOException {
        Files.createDirectories(folder(jobId));
        if (Files.exists(file(jobId, file))) {
            return false;
        }
        try {
            Files.createFile(part(jobId, file));
        } catch (FileAlreadyExistsException held) {
            // Already claimed by its own .part file.
        }
        return true;
    }

    /** Ids of the job folders under the root; anything else there is not ours and is left alone. */
    public List<UUID> jobFolders() throws IOException {
        List<UUID> ids = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return ids;
        }
        try (DirectoryStream<Path> folders = Files.newDirectoryStream(root, Files::isDirectory)) {
            for (Path folder : folders) {
                String name = folder.getFileName().toString();
                if (JOB_FOLDER.matcher(name).matches()) {
                    ids.add(UUID.fromString(name));
                }
            }
        }
        return ids;
    }

    /** The job's {@code .part} files. */
    public List<Path> parts(UUID jobId) throws IOException {
        List<Path> found = new ArrayList<>();
        try (DirectoryStream<Path> parts = Files.newDirectoryStream(folder(jobId), "*" + PART)) {
            parts.forEach(found::add);
        } catch (NoSuchFileException none) {
            // No folder, no parts.
        }
        return found;
    }

    /**
     * {@code <name>.part}, unless the name already uses the 255 bytes a file system allows and leaves no room for
     * the suffix; such a part file is named after the SHA-256 of the name instead, which is just as unique.
     */
    private String partName(String file) {
        String part = file + PART;
        if (part.getBytes(StandardCharsets.UTF_8).length <= MAX_NAME_BYTES
                && platformCharset.encode(part).remaining() <= MAX_NAME_BYTES) {
            return part;
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(file.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest) + PART;
        } catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException("every JVM has SHA-256", ex);
        }
    }

    /**
     * Feeds bytes {@code [from, to)} of the job's {@code .part} file to {@code digest}, as a segmented download
     * needs for the ranges it stored out of order. Read past the page cache where the file system allows it: bulk
     * writes went past it too, so the bytes are not there, and reading them through it would copy them once more
     * and push out what is. Gives up with an IOException once {@code stopped} says so.
     */
    public void digestPart(UUID jobId, String file, long from, long to, MessageDigest digest,
            BooleanSupplier stopped) throws IOException {
        Path part = part(jobId, file);
        long position = from;
        if (directIo && to - from >= DIRECT_MIN_BYTES) {
            position = digestDirect(part, from, to, digest, stopped);
        }
        if (position >= to) {
            return;
        }
        ByteBuffer buffer = ByteBuffer.allocate(READ_BACK_BYTES);
        try (FileChannel channel = FileChannel.open(part, StandardOpenOption.READ)) {
            while (position < to) {
                checkStopped(stopped);
                buffer.clear().limit((int) Math.min(buffer.capacity(), to - position));
                int read = channel.read(buffer, position);
                if (read < 0) {
                    throw new IOException(part.getFileName() + " ends at byte " + position + ", before " + to);
                }
                buffer.flip();
                digest.update(buffer);
                position += read;
            }
        }
    }

    /** Reads with O_DIRECT as far as it goes; returns the position up to which the digest was fed. */
    private long digestDirect(Path part, long from, long to, MessageDigest digest, BooleanSupplier stopped)
            throws IOException {
        long position = from;
        int alignment;
        try {
            alignment = blockSize != 0 ? blockSize : (int) Files.getFileStore(root).getBlockSize();
        } catch (IOException | UnsupportedOperationException ex) {
            return position;
        }
        ByteBuffer buffer = ByteBuffer.allocateDirect(READ_BACK_BYTES + alignment).alignedSlice(alignment)
                .limit(READ_BACK_BYTES).slice();
        try (FileChannel channel = FileChannel.open(part, StandardOpenOption.READ, ExtendedOpenOption.DIRECT)) {
            // O_DIRECT reads whole blocks: from the block that holds the first byte wanted.
            long block = position - position % alignment;
            // A stop leaves the rest to the loop through the page cache, which gives up at once.
            while (position < to && !stopped.getAsBoolean()) {
                buffer.clear();
                int read = channel.read(buffer, block);
                if (read <= 0) {
                    break;
                }
                long end = Math.min(to, block + read);
                buffer.position((int) (position - block)).limit((int) (end - block));
                digest.update(buffer);
                position = end;
                block += read;
                if (read % alignment != 0) {
                    // The end of the file; a read from an unaligned position would be refused.
                    break;
                }
            }
        } catch (IOException | UnsupportedOperationException ex) {
            // Refused by the file system: the rest goes through the page cache.
        }
        return position;
    }

    private static void checkStopped(BooleanSupplier stopped) throws IOException {
        if (stopped.getAsBoolean()) {
            throw new IOException("stopped");
        }
    }

    /** Lowercase hex SHA-256 of a finished file, read from disk. */
    public String sha256(UUID jobId, String file) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException("every JVM has SHA-256", ex);
        }
        try (InputStream in = new DigestInputStream(Files.newInputStream(file(jobId, file)), digest)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** Resolves a name and proves the result is directly inside the folder, whatever the name holds. */
    private static Path inside(Path folder, String name) {
        Path path = folder.resolve(name).normalize();
        if (!folder.equals(path.getParent())) {
            throw new IllegalArgumentException("file name escapes its job folder: " + name);
        }
        return path;
    }
}
