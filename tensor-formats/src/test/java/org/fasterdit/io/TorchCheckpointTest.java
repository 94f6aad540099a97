package org.fasterdit.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TorchCheckpointTest {
  @TempDir Path tmp;

  private Path ckptFile(int protocol) {
    Path p = tmp.resolve("ckpt" + protocol + ".pt");
    new TorchZipBuilder("ckpt" + protocol, CPythonPickles.ckpt(protocol))
        .storage("0", TorchZipBuilder.floats(0, 1, 2, 3, 4, 5))
        .storage("1", TorchZipBuilder.longs(7, 8, 9))
        .entry("byteorder", "little".getBytes())
        .write(p);
    return p;
  }

  @Test
  void readsCheckpointsWrittenWithProtocols2To5() {
    for (int proto = 2; proto <= 5; proto++) {
      try (Arena arena = Arena.ofConfined()) {
        Map<?, ?> root = (Map<?, ?>) TorchCheckpoint.read(ckptFile(proto), arena);
        PyOrderedDict model = (PyOrderedDict) root.get("model");
        assertEquals(List.of("w", "wT", "row1", "p"), List.copyOf(model.keySet()));
        assertTrue(model.attributes().containsKey("_metadata"), "BUILD state kept apart");
        HostTensor w = (HostTensor) model.get("w");
        assertArrayEquals(new long[] {2, 3}, w.shape());
        assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5}, w.toFloatArray());
        assertTrue(w.data().isMapped(), "contiguous view is zero-copy");
        HostTensor wt = (HostTensor) model.get("wT");
        assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, wt.toFloatArray());
        HostTensor row1 = (HostTensor) model.get("row1");
        assertArrayEquals(new float[] {3, 4, 5}, row1.toFloatArray());
        assertEquals(w.data().address() + 12, row1.data().address(), "shared storage");
        HostTensor p = (HostTensor) model.get("p");
        assertEquals(DType.I64, p.dtype());
        assertArrayEquals(new long[] {7, 8, 9}, p.toLongArray());

        PyNamespace args = (PyNamespace) root.get("args");
        assertEquals(1e-4, args.get("lr"));
        assertEquals("dit", args.get("name"));
        assertEquals(10L, args.get("steps"));
        assertEquals(java.util.Arrays.asList(true, false, null), args.get("flags"));
        assertEquals(BigInteger.TWO.pow(70), args.get("big"));
        assertEquals(-5L, args.get("neg"));
        assertArrayEquals(new byte[] {0, (byte) 0xFF, 'a', 'b'}, (byte[]) args.get("b"));
        assertEquals(PyTuple.of(1L, 2.5, "x"), args.get("t"));
        assertEquals(Set.of(1L, 2L), args.get("st"));
        assertEquals(1234L, root.get("step"));
        assertEquals(
            List.of(Map.of("a", PyTuple.of(1L)), "u\u00e9\u4e2d\uD83D\uDE00"), root.get("nested"));
        assertEquals(
            List.of("model.w", "model.wT", "model.row1", "model.p"),
            List.copyOf(TorchCheckpoint.tensors(root).keySet()));
      }
    }
  }

  @Test
  void readsTorchWrittenDtypesFixture() {
    Path pt = TestFixtures.path("dtypes.pt");
    LinkedHashMap<String, HostTensor> expected = Npz.read(TestFixtures.path("dtypes_expected.npz"));
    try (Arena arena = Arena.ofConfined()) {
      Map<?, ?> sd = (Map<?, ?>) TorchCheckpoint.read(pt, arena);
      assertEquals(expected.keySet(), sd.keySet());
      for (Map.Entry<String, HostTensor> e : expected.entrySet()) {
        HostTensor t = (HostTensor) sd.get(e.getKey());
        assertArrayEquals(e.getValue().shape(), t.shape(), e.getKey());
        assertArrayEquals(e.getValue().toDoubleArray(), t.toDoubleArray(), e.getKey());
      }
      assertEquals(DType.BF16, ((HostTensor) sd.get("bf16")).dtype());
      assertEquals(DType.F16, ((HostTensor) sd.get("f16")).dtype());
      HostTensor base = (HostTensor) sd.get("base");
      HostTensor slice = (HostTensor) sd.get("shared_slice");
      assertEquals(base.data().address() + 8, slice.data().address());
      assertEquals(0, ((HostTensor) sd.get("scalar")).rank());
    }
  }

  @Test
  void readsTorchWrittenNestedFixture() {
    Object expected =
        MiniJson.parse(
            "nested_expected.json", readString(TestFixtures.path("nested_expected.json")));
    try (Arena arena = Arena.ofConfined()) {
      assertPyEquals(expected, TorchCheckpoint.read(TestFixtures.path("nested.pt"), arena), "$");
    }
  }

  @Test
  void refusesEvilFixturesWithoutSideEffects() {
    Map<String, String> evil =
        Map.of(
            "evil_os_system.pt",
            "os.system",
            "evil_eval.pt",
            "builtins.eval",
            "evil_stack_global.pt",
            "subprocess.Popen");
    for (Map.Entry<String, String> e : evil.entrySet()) {
      Path p = TestFixtures.path(e.getKey());
      try (Arena arena = Arena.ofConfined()) {
        var ex = assertThrows(TensorFormatException.class, () -> TorchCheckpoint.read(p, arena));
        assertTrue(
            ex.getMessage()
                .startsWith(p + ": data.pkl: global '" + e.getValue() + "' is not allowed"),
            ex.getMessage());
      }
    }
    assertFalse(Files.exists(Path.of("/tmp/fasterdit_pwned")));
  }

  @Test
  void handlesBigEndianArchivesAndCompressedStorages() {
    byte[] pkl =
        new PickleBuilder()
            .proto(2)
            .tensor("IntStorage", "0", 2, 0, new long[] {2}, new long[] {1})
            .stop()
            .bytes();
    byte[] bigEndian = {0, 0, 0, 5, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFE};
    Path p = tmp.resolve("be.pt");
    new TorchZipBuilder("be", pkl)
        .storage("0", bigEndian)
        .entry("byteorder", "big".getBytes())
        .write(p);
    try (Arena arena = Arena.ofConfined()) {
      HostTensor t = (HostTensor) TorchCheckpoint.read(p, arena);
      assertArrayEquals(new long[] {5, -2}, t.toLongArray());
    }
  }

  @Test
  void rejectsInconsistentCheckpoints() {
    record Case(String what, byte[] pickle, byte[] storage) {}
    byte[] six = TorchZipBuilder.floats(0, 1, 2, 3, 4, 5);
    List<Case> cases =
        List.of(
            new Case(
                "view past storage",
                new PickleBuilder()
                    .proto(2)
                    .tensor("FloatStorage", "0", 6, 4, new long[] {3}, new long[] {1})
                    .stop()
                    .bytes(),
                six),
            new Case(
                "stride past storage",
                new PickleBuilder()
                    .proto(2)
                    .tensor("FloatStorage", "0", 6, 0, new long[] {2, 3}, new long[] {4, 1})
                    .stop()
                    .bytes(),
                six),
            new Case(
                "storage entry too small",
                new PickleBuilder()
                    .proto(2)
                    .tensor("FloatStorage", "0", 7, 0, new long[] {7}, new long[] {1})
                    .stop()
                    .bytes(),
                six),
            new Case(
                "missing storage entry",
                new PickleBuilder()
                    .proto(2)
                    .tensor("FloatStorage", "9", 6, 0, new long[] {6}, new long[] {1})
                    .stop()
                    .bytes(),
                six),
            new Case(
                "huge expand",
                new PickleBuilder()
                    .proto(2)
                    .tensor(
                        "FloatStorage",
                        "0",
                        6,
                        0,
                        new long[] {1L << 20, 1L << 20},
                        new long[] {0, 0})
                    .stop()
                    .bytes(),
                six),
            new Case(
                "overflowing size",
                new PickleBuilder()
                    .proto(2)
                    .tensor(
                        "FloatStorage",
                        "0",
                        6,
                        0,
                        new long[] {1L << 62, 1L << 62},
                        new long[] {0, 0})
                    .stop()
                    .bytes(),
                six),
            new Case(
                "bad storage class",
                new PickleBuilder()
                    .proto(2)
                    .tensor("UntypedStorage", "0", 6, 0, new long[] {6}, new long[] {1})
                    .stop()
                    .bytes(),
                six));
    for (Case c : cases) {
      byte[] zip = new TorchZipBuilder("x", c.pickle()).storage("0", c.storage()).toBytes();
      var e =
          assertThrows(
              TensorFormatException.class,
              () -> TorchCheckpoint.read("x.pt", MemorySegment.ofArray(zip)),
              c.what());
      assertTrue(e.getMessage().startsWith("x.pt: "), c.what() + ": " + e.getMessage());
    }
    var legacy =
        assertThrows(
            TensorFormatException.class,
            () ->
                TorchCheckpoint.read(
                    "old.pt", MemorySegment.ofArray(new byte[] {(byte) 0x80, 2, 'N', '.'})));
    assertTrue(legacy.getMessage().contains("magic number"), legacy.getMessage());
    byte[] noPkl = new TorchZipBuilder("x", new byte[0]).toBytes();
    // The builder always adds data.pkl; rename it by corrupting its name in both headers.
    String s =
        new String(noPkl, java.nio.charset.StandardCharsets.ISO_8859_1)
            .replace("x/data.pkl", "x/data.pkX");
    assertThrows(
        TensorFormatException.class,
        () ->
            TorchCheckpoint.read(
                "n.pt",
                MemorySegment.ofArray(s.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1))));
  }

  @Test
  void tensorsBecomeInvalidWhenTheArenaCloses() {
    HostTensor w;
    try (Arena arena = Arena.ofConfined()) {
      Map<?, ?> root = (Map<?, ?>) TorchCheckpoint.read(ckptFile(2), arena);
      w = (HostTensor) ((Map<?, ?>) root.get("model")).get("w");
    }
    assertThrows(IllegalStateException.class, w::toFloatArray);
  }

  /** Compares a JSON value (tuples as lists, Namespace as object with __class__). */
  private static void assertPyEquals(Object json, Object py, String path) {
    if (json instanceof Map<?, ?> jm) {
      Map<?, ?> pm;
      if (jm.containsKey("__class__")) {
        assertEquals("argparse.Namespace", jm.get("__class__"), path);
        pm = assertInstanceOf(PyNamespace.class, py, path).attributes();
        jm = new LinkedHashMap<>(jm);
        jm.remove("__class__");
      } else {
        pm = assertInstanceOf(Map.class, py, path);
      }
      assertEquals(List.copyOf(jm.keySet()), List.copyOf(pm.keySet()), path);
      for (Map.Entry<?, ?> e : jm.entrySet()) {
        assertPyEquals(e.getValue(), pm.get(e.getKey()), path + "." + e.getKey());
      }
    } else if (json instanceof List<?> jl) {
      List<?> pl = py instanceof PyTuple t ? t.items() : assertInstanceOf(List.class, py);
      assertEquals(jl.size(), pl.size(), path);
      for (int i = 0; i < jl.size(); i++) {
        assertPyEquals(jl.get(i), pl.get(i), path + "[" + i + "]");
      }
    } else if (json == null) {
      assertNull(py, path);
    } else {
      assertEquals(json, py, path);
    }
  }

  private static String readString(Path p) {
    try {
      return Files.readString(p);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
