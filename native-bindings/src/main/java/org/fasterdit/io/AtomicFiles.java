package org.fasterdit.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/** File plumbing shared by readers (read-only mapping) and writers (atomic replace). */
final class AtomicFiles {
    /** Body of a writer: receives a channel positioned at 0 of a fresh temp file. */
    @FunctionalInterface
    interface ChannelWriter {
        void write(FileChannel ch) throws IOException;
    }

    private AtomicFiles() {
    }

    /**
     * Writes {@code path} so that readers see either the old or the complete new file: a temp file
     * in the same directory (same filesystem, so rename is atomic), fsync, then ATOMIC_MOVE.
     */
    static void write(Path path, ChannelWriter body) {
        Path abs = path.toAbsolutePath();
        Path dir = abs.getParent();
        Path tmp = null;
        try {
            tmp = Files.createTempFile(dir, "." + abs.getFileName() + ".", ".tmp");
            try { // temp files are created owner-only; the result should read like any other output file
                Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            } catch (UnsupportedOperationException ignored) {
                // not a POSIX filesystem: keep the default
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                body.write(ch);
                ch.force(true);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
            fsyncDirectory(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + path + " failed: " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // Best effort: the original error is the one worth reporting.
                }
            }
        }
    }

    /** Makes the rename durable; not all platforms allow opening a directory, so best effort. */
    private static void fsyncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // Directory fsync is an extra guarantee, not a requirement.
        }
    }

    static void writeFully(WritableByteChannel ch, byte[] bytes) throws IOException {
        writeFully(ch, ByteBuffer.wrap(bytes));
    }

    static void writeFully(WritableByteChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    /** Writes a segment in bounded chunks (asByteBuffer is limited to 2 GiB per buffer). */
    static void writeFully(WritableByteChannel ch, MemorySegment seg) throws IOException {
        long chunk = 1L << 26;
        for (long off = 0; off < seg.byteSize(); off += chunk) {
            long n = Math.min(chunk, seg.byteSize() - off);
            writeFully(ch, seg.asSlice(off, n).asByteBuffer());
        }
    }

    /**
     * Maps {@code path} read-only for the lifetime of {@code arena}. Note: if another process
     * truncates the file while it is mapped, later accesses fault; the readers cannot prevent it.
     */
    static MemorySegment mapReadOnly(Path path, Arena arena) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            return ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }
}
