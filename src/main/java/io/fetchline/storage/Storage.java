package io.fetchline.storage;

import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.UUID;

import org.springframework.stereotype.Component;

import io.fetchline.config.FetchlineProperties;

/**
 * Job folders under the storage root. A file is written as {@code <name>.part} and appears under its name only
 * when complete; the {@code .part} file is also what reserves the name, so two fetchers never pick the same one.
 */
@Component
public class Storage {

    public static final String PART = ".part";
    private static final int MAX_NUMBERED = 100_000;
    private static final int MAX_NAME_BYTES = 255;

    private final Path root;
    private final FileNamer namer;
    private final Charset platformCharset;

    public Storage(FetchlineProperties properties) {
        this.root = properties.storage().root().toAbsolutePath().normalize();
        this.namer = FileNamer.forPlatform();
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

    /**
     * Claims the first free one of {@code name}, {@code name-1.ext}, {@code name-2.ext}, … in the job's folder by
     * creating its empty {@code .part} file, and returns the claimed name.
     */
    public String reserve(UUID jobId, String name) throws IOException {
        Path folder = Files.createDirectories(folder(jobId));
        for (int n = 0; n < MAX_NUMBERED; n++) {
            String candidate = n == 0 ? name : namer.numbered(name, n);
            Path target = inside(folder, candidate);
            if (Files.exists(target)) {
                continue;
            }
            try {
                Files.createFile(inside(folder, partName(candidate)));
            } catch (FileAlreadyExistsException taken) {
                continue;
            }
            // Another item may have renamed its finished file into this name between our two checks.
            if (Files.exists(target)) {
                Files.deleteIfExists(inside(folder, partName(candidate)));
                continue;
            }
            return candidate;
        }
        throw new IOException("no free name for " + name + " in " + folder);
    }

    /** Moves a complete {@code .part} file to its name in one atomic step. */
    public void complete(UUID jobId, String file) throws IOException {
        Files.move(part(jobId, file), file(jobId, file), StandardCopyOption.ATOMIC_MOVE);
    }

    public void discard(UUID jobId, String file) {
        try {
            Files.deleteIfExists(part(jobId, file));
        } catch (IOException ignored) {
            // A leftover .part file is removed by the next start's clean-up.
        }
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

    /** Resolves a name and proves the result is directly inside the folder, whatever the name holds. */
    private static Path inside(Path folder, String name) {
        Path path = folder.resolve(name).normalize();
        if (!folder.equals(path.getParent())) {
            throw new IllegalArgumentException("file name escapes its job folder: " + name);
        }
        return path;
    }
}
