package org.fasterdit.plot;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Writes a file so readers never see half of it: the bytes go to a temp file in the same folder, then one rename
 * puts it in place. Same folder because a rename across file systems is a copy, which is not atomic.
 */
public final class AtomicFiles {

  /** What writes the content; may throw IOException. */
  @FunctionalInterface
  public interface Writer {
    void write(OutputStream out) throws IOException;
  }

  private AtomicFiles() {}

  /**
   * Writes {@code target} via a temp file and a rename. Creates missing parent folders.
   *
   * @throws IllegalArgumentException when the output folder cannot be made or written (message names it)
   * @throws UncheckedIOException when writing itself fails (message names the target)
   */
  public static void write(Path target, Writer writer) {
    if (target == null) throw new IllegalArgumentException("output path is missing");
    Path abs = target.toAbsolutePath().normalize();
    if (abs.getFileName() == null) throw new IllegalArgumentException("output path " + target + " names no file");
    if (Files.isDirectory(abs)) {
      throw new IllegalArgumentException("output path " + target + " is a folder; give a file name");
    }
    Path dir = writableFolder(abs.getParent(), target);
    // Not Files.createTempFile: it makes the file owner-only (0600), and the rename would carry that onto the
    // output; a plain CREATE_NEW file gets the usual umask permissions.
    Path tmp = dir.resolve("." + abs.getFileName() + "." + Long.toHexString(System.nanoTime()) + ".tmp");
    OutputStream opened;
    try {
      opened = Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    } catch (IOException | SecurityException e) {
      throw new IllegalArgumentException("output folder " + dir + " is not writable (" + e.getMessage() + ")", e);
    }
    try {
      try (OutputStream out = opened) {
        writer.write(out);
      }
      try {
        Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not write " + target + ": " + e.getMessage(), e);
    } finally {
      try {
        Files.deleteIfExists(tmp); // gone already after a successful move; cleans up after a failure
      } catch (IOException ignored) {
        // a stray temp file is not worth hiding the real outcome for
      }
    }
  }

  private static Path writableFolder(Path dir, Path target) {
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new IllegalArgumentException("output folder " + dir + " for " + target + " is not a folder");
    }
    try {
      Files.createDirectories(dir);
    } catch (IOException | SecurityException e) {
      throw new IllegalArgumentException("cannot create output folder " + dir + " for " + target + " ("
          + e.getMessage() + ")", e);
    }
    if (!Files.isWritable(dir)) {
      throw new IllegalArgumentException("output folder " + dir + " is not writable");
    }
    return dir;
  }
}
