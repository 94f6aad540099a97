package org.fasterdit.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rank parts of a sharded sampling run: joined in order, foreign or missing parts refused. */
class SamplePartsTest {
  static final int COUNT = 7, UNIT = 2, WORLD = 3, PER = 2 * 1 * 1;

  /** The samples of a whole run: value j of sample i is i * 10 + j, label i. */
  static SampleSet slice(int from, int to) {
    float[] x = new float[(to - from) * PER];
    long[] labels = new long[to - from];
    for (int i = from; i < to; i++) {
      labels[i - from] = i;
      for (int j = 0; j < PER; j++) x[(i - from) * PER + j] = i * 10 + j;
    }
    return new SampleSet(x, labels, 2, 1, 1);
  }

  static void writeAll(Path out) {
    for (int r = 0; r < WORLD; r++) {
      var g = SampleShards.of(COUNT, UNIT, r, WORLD);
      SampleParts.write(out, r, WORLD, g, slice(g.from(), g.to()));
    }
  }

  @Test
  void joinsThePartsInSampleOrderAndDeletesThem(@TempDir Path dir) {
    Path out = dir.resolve("s.npz");
    writeAll(out);
    SampleSet all = SampleParts.join(out, WORLD, COUNT, UNIT);
    SampleSet want = slice(0, COUNT);
    assertArrayEquals(want.x(), all.x());
    assertArrayEquals(want.labels(), all.labels());
    assertTrue(
        SampleParts.path(out, 1, WORLD).getFileName().toString().startsWith(".s.npz.part-1-of-3"));
    SampleParts.delete(out, WORLD);
    for (int r = 0; r < WORLD; r++) assertFalse(Files.exists(SampleParts.path(out, r, WORLD)));
  }

  @Test
  void refusesAPartOfAnotherSplitAndAMissingPart(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("s.npz");
    writeAll(out);
    // rank 1's file now holds the block of another split (as a stale part of a run with another
    // --num would)
    SampleParts.write(out, 1, WORLD, new SampleShards.Range(2, 3, 1), slice(2, 3));
    var e =
        assertThrows(IllegalStateException.class, () -> SampleParts.join(out, WORLD, COUNT, UNIT));
    assertTrue(
        e.getMessage().contains("holds samples [2, 3) but rank 1 should have written [2, 4)"),
        e.getMessage());
    Files.delete(SampleParts.path(out, 2, WORLD));
    writeAll(out);
    Files.delete(SampleParts.path(out, 2, WORLD));
    e = assertThrows(IllegalStateException.class, () -> SampleParts.join(out, WORLD, COUNT, UNIT));
    assertTrue(
        e.getMessage().contains("rank 2 of 3") && e.getMessage().contains("is missing"),
        e.getMessage());
  }
}
