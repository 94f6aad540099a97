package org.fasterdit.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyTest {
  @TempDir Path tmp;

  @Test
  void roundTripsEveryNumpyDtype() {
    for (DType d : DType.values()) {
      if (d == DType.BF16) {
        continue;
      }
      byte[] raw = new byte[6 * d.byteSize()];
      for (int i = 0; i < raw.length; i++) {
        raw[i] = (byte) (d == DType.BOOL ? i % 2 : i * 7 + 1);
      }
      HostTensor t = HostTensor.ofBytes(d, new long[] {2, 3}, raw);
      Path p = tmp.resolve(d + ".npy");
      Npy.write(p, t);
      assertEquals(t, Npy.read(p), d.toString());
    }
  }

  @Test
  void roundTripsZeroDimAndEmpty() {
    HostTensor scalar = HostTensor.ofDoubles(new long[] {}, new double[] {3.25});
    Npy.write(tmp.resolve("s.npy"), scalar);
    HostTensor back = Npy.read(tmp.resolve("s.npy"));
    assertEquals(0, back.rank());
    assertEquals(3.25, back.toDoubleArray()[0]);
    HostTensor empty = HostTensor.ofFloats(new long[] {0, 4}, new float[0]);
    Npy.write(tmp.resolve("e.npy"), empty);
    assertEquals(empty, Npy.read(tmp.resolve("e.npy")));
  }

  @Test
  void headerIsAlignedAndNumpyStyle() {
    byte[] b = Npy.toBytes(HostTensor.ofFloats(new long[] {3}, new float[] {1, 2, 3}));
    String header = new String(b, 10, b.length - 10 - 12, StandardCharsets.ISO_8859_1);
    assertTrue(
        header.startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }"), header);
    assertEquals(0, (b.length - 12) % 64);
  }

  @Test
  void readsPythonFixtures() {
    HostTensor f = Npy.read(TestFixtures.path("f32.npy"));
    assertArrayEquals(new long[] {2, 3, 4}, f.shape());
    float[] v = f.toFloatArray();
    for (int i = 0; i < 24; i++) {
      assertEquals(i * 0.5f, v[i]);
    }
    assertArrayEquals(
        new long[] {1, -2, 3, -(1L << 40), 1L << 62},
        Npy.read(TestFixtures.path("i64.npy")).toLongArray());
    HostTensor fo = Npy.read(TestFixtures.path("fortran.npy"));
    assertArrayEquals(new long[] {2, 3}, fo.shape());
    assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, fo.toFloatArray());
    HostTensor be = Npy.read(TestFixtures.path("be.npy"));
    assertEquals(DType.F32, be.dtype());
    assertArrayEquals(new float[] {1.5f, -2f, 3.25f, 0.001f}, be.toFloatArray());
  }

  @Test
  void readsVersion2And3HeadersBigEndianAndFortran() {
    // (2,3) int16, big-endian, Fortran order: logical [[1,2,3],[4,5,6]] stored 1,4,2,5,3,6.
    String dict = "{'descr': '>i2', 'fortran_order': True, 'shape': (2, 3), }\n";
    short[] colMajor = {1, 4, 2, 5, 3, 6};
    for (int major : new int[] {2, 3}) {
      ByteBuffer b = ByteBuffer.allocate(12 + dict.length() + 12);
      b.put(NpyHeader.MAGIC).put((byte) major).put((byte) 0);
      b.put((byte) dict.length()).put((byte) 0).put((byte) 0).put((byte) 0);
      b.put(dict.getBytes(StandardCharsets.US_ASCII));
      for (short s : colMajor) {
        b.putShort(s); // ByteBuffer default order is big-endian
      }
      HostTensor t = Npy.read("v" + major + ".npy", b.flip());
      assertEquals(DType.I16, t.dtype());
      assertArrayEquals(new long[] {1, 2, 3, 4, 5, 6}, t.toLongArray());
    }
  }

  @Test
  void rejectsMalformedFilesWithNamedErrors() {
    byte[] good = Npy.toBytes(HostTensor.ofFloats(new long[] {2}, new float[] {1, 2}));
    byte[] truncated = java.util.Arrays.copyOf(good, good.length - 1);
    var e =
        assertThrows(
            TensorFormatException.class, () -> Npy.read("t.npy", MemorySegment.ofArray(truncated)));
    assertTrue(e.getMessage().startsWith("t.npy: "), e.getMessage());
    byte[] trailing = java.util.Arrays.copyOf(good, good.length + 3);
    assertThrows(
        TensorFormatException.class, () -> Npy.read("x.npy", MemorySegment.ofArray(trailing)));
    byte[] magic = good.clone();
    magic[1] = 'X';
    assertThrows(
        TensorFormatException.class, () -> Npy.read("m.npy", MemorySegment.ofArray(magic)));
    assertThrows(
        TensorFormatException.class,
        () ->
            Npy.read(
                "h.npy",
                MemorySegment.ofArray(
                    header(
                        "{'descr': [('a', '<f4')], 'fortran_order': False, "
                            + "'shape': (1,), }"))));
    assertThrows(
        TensorFormatException.class,
        () ->
            Npy.read(
                "c.npy",
                MemorySegment.ofArray(
                    header("{'descr': '<c8', 'fortran_order': False, " + "'shape': (1,), }"))));
    var huge =
        assertThrows(
            TensorFormatException.class,
            () ->
                Npy.read(
                    "o.npy",
                    MemorySegment.ofArray(
                        header(
                            "{'descr': '<f8', 'fortran_order': False, "
                                + "'shape': (4294967296, 4294967296), }"))));
    assertTrue(huge.getMessage().contains("overflow"), huge.getMessage());
    assertThrows(
        TensorFormatException.class,
        () ->
            Npy.write(
                tmp.resolve("b.npy"),
                HostTensor.ofFloatsAs(DType.BF16, new long[] {1}, new float[] {1})));
  }

  private static byte[] header(String dict) {
    byte[] d = (dict + "\n").getBytes(StandardCharsets.US_ASCII);
    byte[] out = new byte[10 + d.length];
    System.arraycopy(NpyHeader.MAGIC, 0, out, 0, 6);
    out[6] = 1;
    out[8] = (byte) d.length;
    out[9] = (byte) (d.length >>> 8);
    System.arraycopy(d, 0, out, 10, d.length);
    return out;
  }
}
