package org.fasterdit.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** torch.save's legacy (pre-1.6) format: torch-written fixtures, hand-built files, corruption. */
class TorchLegacyTest {
  @Test
  void readsTorchWrittenLegacyDtypesLikeTheZipFile() throws Exception {
    LinkedHashMap<String, HostTensor> expected = Npz.read(TestFixtures.path("dtypes_expected.npz"));
    try (Arena arena = Arena.ofConfined()) {
      Map<?, ?> sd = (Map<?, ?>) TorchCheckpoint.read(TestFixtures.path("dtypes_legacy.pt"), arena);
      Map<?, ?> zip = (Map<?, ?>) TorchCheckpoint.read(TestFixtures.path("dtypes.pt"), arena);
      assertEquals(expected.keySet(), sd.keySet());
      for (Map.Entry<String, HostTensor> e : expected.entrySet()) {
        HostTensor t = (HostTensor) sd.get(e.getKey());
        assertArrayEquals(e.getValue().shape(), t.shape(), e.getKey());
        assertArrayEquals(e.getValue().toDoubleArray(), t.toDoubleArray(), e.getKey());
        assertEquals(zip.get(e.getKey()), t, e.getKey() + ": same tensor as in the zip file");
      }
      assertEquals(DType.BF16, ((HostTensor) sd.get("bf16")).dtype());
      HostTensor base = (HostTensor) sd.get("base");
      HostTensor slice = (HostTensor) sd.get("shared_slice");
      assertTrue(base.data().isMapped(), "contiguous tensors are slices of the mapped file");
      assertEquals(base.data().address() + 8, slice.data().address(), "shared storage");
    }
  }

  @Test
  void readsTorchWrittenLegacyNestedObject() throws Exception {
    Object expected =
        MiniJson.parse(
            "nested_expected.json", Files.readString(TestFixtures.path("nested_expected.json")));
    try (Arena arena = Arena.ofConfined()) {
      Object legacy = TorchCheckpoint.read(TestFixtures.path("nested_legacy.pt"), arena);
      Object zip = TorchCheckpoint.read(TestFixtures.path("nested.pt"), arena);
      assertEquals(String.valueOf(zip), String.valueOf(legacy));
      assertTrue(expected instanceof Map<?, ?> m && m.size() == ((Map<?, ?>) legacy).size());
    }
  }

  @Test
  void readsHandBuiltLegacyFileWithAStorageView() {
    Map<?, ?> root =
        (Map<?, ?>) TorchCheckpoint.read("h.pt", MemorySegment.ofArray(TorchLegacyBuilder.seed()));
    assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5}, ((HostTensor) root.get("w")).toFloatArray());
    assertArrayEquals(new float[] {2, 3, 4}, ((HostTensor) root.get("v")).toFloatArray());
    assertArrayEquals(new long[] {7, 8, 9}, ((HostTensor) root.get("p")).toLongArray());
  }

  @Test
  void everyTruncationIsAFormatErrorNamingTheFile() {
    byte[] full = TestFixtures.bytes("dtypes_legacy.pt");
    for (int len = 0; len < full.length; len++) {
      byte[] cut = Arrays.copyOf(full, len);
      int n = len;
      var e =
          assertThrows(
              TensorFormatException.class,
              () -> TorchCheckpoint.read("cut.pt", MemorySegment.ofArray(cut)),
              () -> "truncated to " + n + " bytes");
      assertTrue(e.getMessage().startsWith("cut.pt: "), e.getMessage());
    }
  }

  @Test
  void rejectsCorruptLegacyFiles() {
    byte[] good = TorchLegacyBuilder.seed();
    Map<String, byte[]> bad = new LinkedHashMap<>();
    byte[] magic = good.clone();
    magic[5] ^= 1; // a byte of the magic number
    bad.put("not torch.save's magic number", magic);
    bad.put(
        "protocol version 999",
        new TorchLegacyBuilder(new PickleBuilder().proto(2).op(PickleOp.NONE).stop().bytes())
            .version(999)
            .toBytes());
    byte[] count = good.clone();
    // The first storage's element count sits 8 + 24 bytes before the end of storage "0"'s data;
    // find it as the first occurrence of the little-endian 6 followed by 0.0f.
    int at = indexOf(count, new byte[] {6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
    count[at] = 7;
    bad.put("holds 7 elements, the pickle says 6", count);
    PickleBuilder p = new PickleBuilder().proto(2);
    TorchLegacyBuilder.tensor(
        p, "FloatStorage", "0", 6, "0v", 4, 3, 0, new long[] {3}, new long[] {1});
    bad.put(
        "exceeds storage '0'",
        new TorchLegacyBuilder(p.stop().bytes())
            .storage("0", 4, TorchZipBuilder.floats(0, 1, 2, 3, 4, 5))
            .toBytes());
    PickleBuilder q = new PickleBuilder().proto(2);
    TorchLegacyBuilder.tensor(
        q, "FloatStorage", "0", 6, null, 0, 0, 0, new long[] {6}, new long[] {1});
    bad.put("has no data", new TorchLegacyBuilder(q.stop().bytes()).toBytes());
    PickleBuilder huge = new PickleBuilder().proto(2);
    TorchLegacyBuilder.tensor(
        huge, "FloatStorage", "0", 1L << 40, null, 0, 0, 0, new long[] {6}, new long[] {1});
    bad.put("bytes but the file holds only", new TorchLegacyBuilder(huge.stop().bytes()).toBytes());
    for (Map.Entry<String, byte[]> e : bad.entrySet()) {
      var ex =
          assertThrows(
              TensorFormatException.class,
              () -> TorchCheckpoint.read("bad.pt", MemorySegment.ofArray(e.getValue())),
              e.getKey());
      assertTrue(
          ex.getMessage().startsWith("bad.pt: ") && ex.getMessage().contains(e.getKey()),
          e.getKey() + " -> " + ex.getMessage());
    }
  }

  private static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
      return i;
    }
    throw new AssertionError("pattern not found");
  }
}
