package org.fasterdit.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds torch.save-style zip archives around a hand-made pickle, for tests and fuzz seeds. */
final class TorchZipBuilder {
  private final String archive;
  private final Map<String, byte[]> entries = new LinkedHashMap<>();

  TorchZipBuilder(String archive, byte[] pickle) {
    this.archive = archive;
    entries.put(archive + "/data.pkl", pickle);
  }

  TorchZipBuilder storage(String key, byte[] littleEndian) {
    entries.put(archive + "/data/" + key, littleEndian);
    return this;
  }

  TorchZipBuilder entry(String relative, byte[] data) {
    entries.put(archive + "/" + relative, data);
    return this;
  }

  /** Writes the archive with 64-byte aligned stored entries, like torch's writer. */
  void write(Path path) {
    entries.putIfAbsent(archive + "/version", "3\n".getBytes());
    try (FileChannel ch =
        FileChannel.open(
            path,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      ZipWriter zw = new ZipWriter(ch);
      for (Map.Entry<String, byte[]> e : entries.entrySet()) {
        zw.addStored(e.getKey(), List.of(MemorySegment.ofArray(e.getValue())), 64);
      }
      zw.finish();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  byte[] toBytes() {
    entries.putIfAbsent(archive + "/version", "3\n".getBytes());
    ByteArrayOutputStream bos = new ByteArrayOutputStream();
    try {
      ZipWriter zw = new ZipWriter(Channels.newChannel(bos));
      for (Map.Entry<String, byte[]> e : entries.entrySet()) {
        zw.addStored(e.getKey(), List.of(MemorySegment.ofArray(e.getValue())), 64);
      }
      zw.finish();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bos.toByteArray();
  }

  static byte[] floats(float... v) {
    return HostTensor.ofFloats(new long[] {v.length}, v).toByteArray();
  }

  static byte[] longs(long... v) {
    return HostTensor.ofLongs(new long[] {v.length}, v).toByteArray();
  }
}
