package org.fasterdit.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxTest {
  @TempDir Path tmp;

  @Test
  void readsImagesLabelsAndGzip() throws IOException {
    byte[] images = FuzzSeeds.idxBytes();
    Path raw = tmp.resolve("train-images-idx3-ubyte");
    Files.write(raw, images);
    HostTensor t = Idx.read(raw);
    assertEquals(DType.U8, t.dtype());
    assertArrayEquals(new long[] {2, 3, 3}, t.shape());
    assertEquals((13 * 17) & 0xFF, t.toLongArray()[17]);

    Path gz = tmp.resolve("train-images-idx3-ubyte.gz");
    Files.write(gz, gzip(images));
    assertEquals(t, Idx.read(gz));

    byte[] labels = {0, 0, 8, 1, 0, 0, 0, 4, 9, 0, 3, 7};
    HostTensor l = Idx.read("labels", MemorySegment.ofArray(labels));
    assertArrayEquals(new long[] {4}, l.shape());
    assertArrayEquals(new long[] {9, 0, 3, 7}, l.toLongArray());
  }

  @Test
  void convertsBigEndianWiderTypes() {
    ByteBuffer b = ByteBuffer.allocate(4 + 4 + 8);
    b.put(new byte[] {0, 0, 0x0C, 1}).putInt(2).putInt(-5).putInt(70000);
    HostTensor t = Idx.read("i32.idx", MemorySegment.ofArray(b.array()));
    assertEquals(DType.I32, t.dtype());
    assertArrayEquals(new long[] {-5, 70000}, t.toLongArray());
  }

  @Test
  void rejectsBadInputIncludingGzipBombs() throws IOException {
    assertThrows(
        TensorFormatException.class,
        () -> Idx.read("x", MemorySegment.ofArray(new byte[] {1, 0, 8, 1})));
    byte[] trunc = java.util.Arrays.copyOf(FuzzSeeds.idxBytes(), 20);
    var e =
        assertThrows(
            TensorFormatException.class, () -> Idx.read("t.idx", MemorySegment.ofArray(trunc)));
    assertTrue(e.getMessage().startsWith("t.idx: "), e.getMessage());
    // Declares 60000x28x28x28 bytes but holds none: refused on the declared size alone.
    byte[] header = {0, 0, 8, 4, 0, 0, (byte) 0xEA, 0x60, 0, 0, 0, 28, 0, 0, 0, 28, 0, 0, 0, 28};
    var bomb =
        assertThrows(
            TensorFormatException.class,
            () -> Idx.read("b.gz", MemorySegment.ofArray(gzip(header))));
    assertTrue(bomb.getMessage().contains("implausible"), bomb.getMessage());
    byte[] corrupt = gzip(FuzzSeeds.idxBytes());
    corrupt[corrupt.length - 12] ^= 0x55;
    assertThrows(
        TensorFormatException.class, () -> Idx.read("c.gz", MemorySegment.ofArray(corrupt)));
  }

  static byte[] gzip(byte[] data) throws IOException {
    ByteArrayOutputStream bos = new ByteArrayOutputStream();
    try (GZIPOutputStream g = new GZIPOutputStream(bos)) {
      g.write(data);
    }
    return bos.toByteArray();
  }
}
