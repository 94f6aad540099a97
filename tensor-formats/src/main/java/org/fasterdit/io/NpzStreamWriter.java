package org.fasterdit.io;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Writes an uncompressed .npz (as np.savez, byte for byte what {@link Npz#write} writes for the
 * same arrays) whose arrays arrive in pieces: each member is declared with its dtype and shape,
 * then its data is appended chunk by chunk, so an archive of any size is written in O(chunk)
 * memory. Sizes are known from the declarations, so headers (ZIP64 when a member or an offset
 * passes 4 GiB) are final when written; each member's CRC is patched in when its last byte arrives.
 * Use {@link #write(Path, Body)}: the archive appears atomically at its path, complete, or not at
 * all.
 */
public final class NpzStreamWriter {
  /** What fills the archive: declares members and appends their data in order. */
  @FunctionalInterface
  public interface Body {
    void write(NpzStreamWriter npz) throws IOException;
  }

  private final ZipWriter zip;
  private String open;
  private long openRemaining;

  NpzStreamWriter(FileChannel ch, boolean forceZip64) throws IOException {
    zip = new ZipWriter(ch);
    zip.forceZip64 = forceZip64;
  }

  /**
   * Writes {@code path} atomically ({@link AtomicFiles}) with the members {@code body} declares and
   * fills; a member left short is an error, and then no file appears.
   */
  public static void write(Path path, Body body) {
    write(path, body, false);
  }

  /** As {@link #write(Path, Body)}; tests force the ZIP64 records without writing 4 GiB. */
  static void write(Path path, Body body, boolean forceZip64) {
    AtomicFiles.write(
        path,
        ch -> {
          NpzStreamWriter w = new NpzStreamWriter(ch, forceZip64);
          body.write(w);
          w.finish();
        });
  }

  /**
   * Starts member {@code key} ({@code key.npy}) of {@code dtype} and {@code shape} (C order); its
   * {@code prod(shape) * dtype size} data bytes must then be appended before the next member.
   */
  public void begin(String key, DType dtype, long[] shape) throws IOException {
    requireClosed("member '" + key + "'");
    long bytes = dtype.byteSize();
    for (long d : shape) {
      if (d < 0)
        throw new IllegalArgumentException(
            "member '" + key + "' has a negative dimension in " + Arrays.toString(shape));
      bytes = Math.multiplyExact(bytes, d);
    }
    byte[] header = NpyHeader.encode(dtype, shape);
    // the same layout as Npz.write: the .npy (header then data) aligned to 64 in the zip
    zip.beginStored(key + ".npy", Math.addExact(header.length, bytes), 64);
    zip.appendStored(MemorySegment.ofArray(header));
    open = key;
    openRemaining = bytes;
    if (bytes == 0) open = null;
  }

  /** Appends the next bytes of the open member (native little-endian layout, as .npy holds). */
  public void append(MemorySegment data) throws IOException {
    if (open == null) throw new IllegalStateException("no npz member is open to append to");
    if (data.byteSize() > openRemaining)
      throw new IllegalArgumentException(
          "member '"
              + open
              + "' has "
              + openRemaining
              + " bytes left but "
              + data.byteSize()
              + " were appended");
    zip.appendStored(data);
    openRemaining -= data.byteSize();
    if (openRemaining == 0) open = null;
  }

  public void append(byte[] data) throws IOException {
    append(MemorySegment.ofArray(data));
  }

  /** A whole array as one member. */
  public void put(String key, HostTensor t) throws IOException {
    begin(key, t.dtype(), t.shape());
    if (t.data().byteSize() > 0) append(t.data());
  }

  private void finish() throws IOException {
    requireClosed("the end of the archive");
    zip.finish();
  }

  private void requireClosed(String next) {
    if (open != null)
      throw new IllegalStateException(
          "npz member '" + open + "' is missing " + openRemaining + " bytes before " + next);
  }
}
