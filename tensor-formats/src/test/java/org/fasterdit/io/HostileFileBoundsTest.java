package org.fasterdit.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crafted pickles cannot make the reader allocate more than {@link PickleLimits#MULTIPLE} times
 * their size (plus 1 MiB) or nest deeper than {@link PickleLimits#MAX_DEPTH}: each is refused with
 * a TensorFormatException naming the limit. A flipped bit in an uncompressed .pt storage is caught
 * by the entry's CRC.
 */
class HostileFileBoundsTest {
  static Object load(byte[] pickle) {
    return new RestrictedUnpickler(
            "t.pkl",
            pickle,
            pid -> {
              throw new TensorFormatException("t.pkl: no storages here");
            })
        .load();
  }

  /** {@code count} copies of opcode {@code op} after {@code head}, then STOP. */
  static byte[] repeated(PickleBuilder head, PickleOp op, int count, PickleOp... tail) {
    byte[] h = head.bytes();
    byte[] out = new byte[h.length + count + tail.length + 1];
    System.arraycopy(h, 0, out, 0, h.length);
    java.util.Arrays.fill(out, h.length, h.length + count, (byte) op.code);
    for (int i = 0; i < tail.length; i++) out[h.length + count + i] = (byte) tail[i].code;
    out[out.length - 1] = (byte) PickleOp.STOP.code;
    return out;
  }

  @Test
  void aMemoFloodIsRefused() {
    // one dict, memoised 2 million times: 2 MB of input, ~130 MB of HashMap entries unbounded
    byte[] p =
        repeated(new PickleBuilder().proto(4).op(PickleOp.EMPTY_DICT), PickleOp.MEMOIZE, 2_000_000);
    var e = assertThrows(TensorFormatException.class, () -> load(p));
    assertTrue(
        e.getMessage().contains("more than") && e.getMessage().contains("memory"), e.getMessage());
  }

  @Test
  void manyContainersAreRefused() {
    // EMPTY_LIST pushed a million times: each byte of input becomes a list object on the stack
    byte[] p = repeated(new PickleBuilder().proto(4), PickleOp.EMPTY_LIST, 1_000_000);
    var e = assertThrows(TensorFormatException.class, () -> load(p));
    assertTrue(e.getMessage().contains("memory"), e.getMessage());
  }

  @Test
  void deepNestingIsRefused() {
    // ((((None,),),),...) 5000 deep: one byte per level; walking it recursively overflows a stack
    byte[] p = repeated(new PickleBuilder().proto(4).op(PickleOp.NONE), PickleOp.TUPLE1, 5000);
    var e = assertThrows(TensorFormatException.class, () -> load(p));
    assertTrue(e.getMessage().contains("nested more than 1000 deep"), e.getMessage());
    byte[] lists =
        repeated(new PickleBuilder().proto(4).op(PickleOp.EMPTY_LIST), PickleOp.EMPTY_LIST, 3000);
    byte[] appends = new byte[lists.length - 1 + 3000];
    System.arraycopy(lists, 0, appends, 0, lists.length - 1);
    java.util.Arrays.fill(
        appends, lists.length - 1, appends.length - 1, (byte) PickleOp.APPEND.code);
    appends[appends.length - 1] = (byte) PickleOp.STOP.code;
    var e2 = assertThrows(TensorFormatException.class, () -> load(appends));
    assertTrue(e2.getMessage().contains("nested more than"), e2.getMessage());
  }

  @Test
  void ordinaryNestingAndSizesStillLoad() {
    byte[] p = repeated(new PickleBuilder().proto(4).op(PickleOp.NONE), PickleOp.TUPLE1, 900);
    Object o = load(p);
    for (int i = 0; i < 900; i++) o = ((PyTuple) o).items().getFirst();
    assertEquals(null, o);
    byte[] memo =
        repeated(new PickleBuilder().proto(4).op(PickleOp.EMPTY_DICT), PickleOp.MEMOIZE, 10_000);
    assertTrue(load(memo) instanceof java.util.Map);
  }

  @Test
  void aFlippedWeightBitFailsTheCrc(@TempDir Path dir) throws Exception {
    Path good = TestFixtures.path("dtypes.pt"), bad = dir.resolve("flipped.pt");
    byte[] bytes = Files.readAllBytes(good);
    long offset;
    try (Arena a = Arena.ofConfined()) {
      ZipIndex zip = ZipIndex.read("dtypes.pt", MemorySegment.ofArray(bytes));
      ZipIndex.Entry storage =
          zip.entries().stream()
              .filter(e -> e.name().contains("/data/") && e.isStored() && e.uncompressedSize() > 0)
              .findFirst()
              .orElseThrow();
      offset = storage.dataOffset() + storage.uncompressedSize() / 2;
    }
    bytes[(int) offset] ^= 0x10;
    Files.write(bad, bytes);
    try (Arena a = Arena.ofConfined()) {
      TorchCheckpoint.read(good, a); // the original reads
      var e = assertThrows(TensorFormatException.class, () -> TorchCheckpoint.read(bad, a));
      assertTrue(e.getMessage().contains("CRC mismatch"), e.getMessage());
    }
  }
}
