package org.fasterdit.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpzTest {
  @TempDir Path tmp;

  @Test
  void roundTripsInOrder() {
    Map<String, HostTensor> m = new LinkedHashMap<>();
    m.put("z", HostTensor.ofFloats(new long[] {2, 2}, new float[] {1, 2, 3, 4}));
    m.put("a", HostTensor.ofLongs(new long[] {}, new long[] {-7}));
    m.put("u", HostTensor.ofBytes(DType.U8, new long[] {3}, new byte[] {1, 2, 3}));
    Path p = tmp.resolve("x.npz");
    Npz.write(p, m);
    LinkedHashMap<String, HostTensor> back = Npz.read(p);
    assertEquals(List.of("z", "a", "u"), List.copyOf(back.keySet()));
    assertEquals(m, back);
  }

  @Test
  void readsPythonFixturesStoredAndDeflated() {
    for (String name : new String[] {"arrays.npz", "arrays_compressed.npz"}) {
      LinkedHashMap<String, HostTensor> m = Npz.read(TestFixtures.path(name));
      assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5}, m.get("f32").toFloatArray(), name);
      assertArrayEquals(new long[] {2, 3}, m.get("f32").shape());
      assertArrayEquals(new long[] {-3, 0, 7, 1L << 40}, m.get("i64").toLongArray());
      HostTensor u8 = m.get("u8");
      assertEquals(DType.U8, u8.dtype());
      assertArrayEquals(new long[] {3, 2, 2}, u8.shape());
      assertEquals(220, u8.toLongArray()[11]);
      assertEquals(0, m.get("f64_scalar").rank());
      assertEquals(3.25, m.get("f64_scalar").toDoubleArray()[0]);
    }
  }

  @Test
  void mapGivesViewsOfStoredArraysWhileItsArenaIsOpen() {
    // a stored member in C order is a view of the mapping (no copy: memory is the file's pages),
    // equal to what read() copies; the others (deflated, Fortran order, big-endian) are copied
    for (String name : new String[] {"arrays.npz", "arrays_compressed.npz"}) {
      Path file = TestFixtures.path(name);
      LinkedHashMap<String, HostTensor> copies = Npz.read(file);
      HostTensor view;
      try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
        LinkedHashMap<String, HostTensor> views = Npz.map(file, arena);
        assertEquals(copies, views, name);
        view = views.get("u8");
        assertEquals(name.equals("arrays.npz"), view.data().scope() == arena.scope(), name);
      }
      if (name.equals("arrays.npz")) {
        HostTensor unmapped = view;
        assertThrows(IllegalStateException.class, () -> unmapped.getDouble(0), "use after close");
      }
    }
  }

  @Test
  void readsDeflatedEntriesAndRejectsSizeLies() throws IOException {
    HostTensor t = HostTensor.ofFloats(new long[] {1000}, new float[1000]);
    Path ok = tmp.resolve("d.npz");
    writeDeflated(ok, "t.npy", Npy.toBytes(t));
    assertEquals(t, Npz.read(ok).get("t"));

    // Header claims 10^8 floats but the entry holds only the header: refused before
    // inflating anything large.
    byte[] lie = NpyHeader.encode(DType.F32, new long[] {100_000_000});
    Path bomb = tmp.resolve("bomb.npz");
    writeDeflated(bomb, "b.npy", lie);
    var e = assertThrows(TensorFormatException.class, () -> Npz.read(bomb));
    assertTrue(e.getMessage().contains("b.npy"), e.getMessage());

    // Central directory lies about the uncompressed size: caught by the ratio/size checks.
    byte[] bytes = Files.readAllBytes(ok);
    int cd = lastIndexOf(bytes, new byte[] {0x50, 0x4b, 0x01, 0x02});
    putLe32(bytes, cd + 24, 0x7FFFFFF0);
    var e2 =
        assertThrows(
            TensorFormatException.class, () -> Npz.read("lie.npz", MemorySegment.ofArray(bytes)));
    assertTrue(e2.getMessage().startsWith("lie.npz"), e2.getMessage());
  }

  @Test
  void rejectsNonNpyMembersAndGarbage() throws IOException {
    Path p = tmp.resolve("o.npz");
    writeDeflated(p, "readme.txt", new byte[] {1, 2});
    assertThrows(TensorFormatException.class, () -> Npz.read(p));
    assertThrows(
        TensorFormatException.class, () -> Npz.read("g.npz", MemorySegment.ofArray(new byte[100])));
  }

  static void writeDeflated(Path p, String name, byte[] data) throws IOException {
    try (FileChannel ch =
        FileChannel.open(
            p,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      ZipWriter zw = new ZipWriter(ch);
      zw.addDeflated(name, data);
      zw.finish();
    }
  }

  static int lastIndexOf(byte[] hay, byte[] needle) {
    for (int i = hay.length - needle.length; i >= 0; i--) {
      if (java.util.Arrays.equals(hay, i, i + needle.length, needle, 0, needle.length)) {
        return i;
      }
    }
    throw new AssertionError("not found");
  }

  static void putLe32(byte[] b, int at, int v) {
    for (int i = 0; i < 4; i++) {
      b[at + i] = (byte) (v >>> (8 * i));
    }
  }
}
