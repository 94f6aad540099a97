package org.fasterdit.io;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The project's one way to write a file: readers see either the old or the complete new file (temp
 * file in the same folder, fsync, atomic rename), and a folder that cannot be made or written is
 * named in the error. Also the read-only mapping the readers share.
 */
public final class AtomicFiles {
  /** Body of a writer: receives a channel positioned at 0 of a fresh temp file. */
  @FunctionalInterface
  public interface ChannelWriter {
    void write(FileChannel ch) throws IOException;
  }

  /** Body of a writer that produces a stream (PNG encoders, text); it must not close the stream. */
  @FunctionalInterface
  public interface StreamWriter {
    void write(OutputStream out) throws IOException;
  }

  /** Temp files are named {@code .TARGET.RANDOM.tmp}: hidden, and never taken for an output. */
  private static final String TEMP_SUFFIX = ".tmp";

  private AtomicFiles() {}

  /**
   * Writes {@code path} so that readers see either the old or the complete new file: a temp file in
   * the same directory (same filesystem, so rename is atomic), fsync, then ATOMIC_MOVE.
   */
  public static void write(Path path, ChannelWriter body) {
    if (path == null) throw new IllegalArgumentException("output path is missing");
    Path abs = path.toAbsolutePath().normalize();
    if (abs.getFileName() == null)
      throw new IllegalArgumentException("output path " + path + " names no file");
    if (Files.isDirectory(abs)) {
      throw new IllegalArgumentException("output path " + path + " is a folder; give a file name");
    }
    Path dir = writableFolder(abs.getParent(), path);
    Path tmp = null;
    try {
      try {
        tmp = Files.createTempFile(dir, "." + abs.getFileName() + ".", TEMP_SUFFIX);
      } catch (IOException | SecurityException e) {
        throw new IllegalArgumentException(
            "output folder " + dir + " is not writable (" + e.getMessage() + ")", e);
      }
      try { // temp files are created owner-only; the result should read like any other output file
        Files.setPosixFilePermissions(
            tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
      } catch (UnsupportedOperationException ignored) {
        // not a POSIX filesystem: keep the default
      }
      try (FileChannel ch =
          FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        body.write(ch);
        ch.force(true);
      }
      try {
        Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
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

  /**
   * Deletes the temp files that writes of {@code target} (a file name in {@code dir}), or of any
   * file in {@code dir} when {@code target} is null, left behind when their process was killed
   * (SIGKILL, power loss: no finally block ran). Only the caller knows that no live process is
   * writing these files right now: call it when resuming work whose outputs only the caller writes.
   *
   * @return the files deleted (none when {@code dir} does not exist)
   */
  public static List<Path> deleteInterruptedWrites(Path dir, String target) {
    if (!Files.isDirectory(dir)) return List.of();
    // Files.createTempFile puts a random number between prefix and suffix
    Pattern temp =
        Pattern.compile(
            "\\."
                + (target == null ? ".+" : Pattern.quote(target))
                + "\\.\\d+"
                + Pattern.quote(TEMP_SUFFIX));
    List<Path> deleted = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.toList()) {
        if (temp.matcher(f.getFileName().toString()).matches()
            && Files.isRegularFile(f)
            && Files.deleteIfExists(f)) deleted.add(f);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot remove interrupted writes in " + dir + ": " + e.getMessage(), e);
    }
    return deleted;
  }

  /** As {@link #write(Path, ChannelWriter)} for a body that writes a stream. */
  public static void writeStream(Path path, StreamWriter body) {
    write(
        path,
        ch -> {
          OutputStream out = Channels.newOutputStream(ch);
          body.write(out);
          out.flush();
        });
  }

  private static Path writableFolder(Path dir, Path target) {
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new IllegalArgumentException(
          "output folder " + dir + " for " + target + " is not a folder");
    }
    try {
      Files.createDirectories(dir);
    } catch (IOException | SecurityException e) {
      throw new IllegalArgumentException(
          "cannot create output folder " + dir + " for " + target + " (" + e.getMessage() + ")", e);
    }
    if (!Files.isWritable(dir)) {
      throw new IllegalArgumentException("output folder " + dir + " is not writable");
    }
    return dir;
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
