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

  /** Images of a whole run: 3 channels of 2x1 pixels, values in [-1.2, 1.2] (clamped on export). */
  static SampleSet images(int from, int to) {
    int per = 3 * 2 * 1;
    float[] x = new float[(to - from) * per];
    long[] labels = new long[to - from];
    for (int i = from; i < to; i++) {
      labels[i - from] = 100 + i;
      for (int j = 0; j < per; j++) x[(i - from) * per + j] = ((i * per + j) % 25) / 10f - 1.2f;
    }
    return new SampleSet(x, labels, 3, 2, 1);
  }

  static void writeImageParts(Path out) {
    for (int r = 0; r < WORLD; r++) {
      var g = SampleShards.of(COUNT, UNIT, r, WORLD);
      // one sample at a time, as blocks arrive from the sampler
      SampleParts.writeImages(
          out,
          r,
          WORLD,
          g,
          sink -> {
            for (int i = g.from(); i < g.to(); i++) sink.accept(images(i, i + 1));
          });
    }
  }

  @Test
  void imagePartsJoinIntoTheBytesOfTheWholeExport(@TempDir Path dir) throws Exception {
    Path whole = dir.resolve("whole.npz"), out = dir.resolve("s.npz");
    SampleExport.write(images(0, COUNT), whole);
    writeImageParts(out);
    assertTrue(SampleParts.joinImages(out, WORLD, COUNT, UNIT).startsWith("wrote 7 samples to "));
    assertArrayEquals(Files.readAllBytes(whole), Files.readAllBytes(out));
    // and an image part is the uint8 of its block, a quarter of the float32 values
    var part = org.fasterdit.io.Npz.read(SampleParts.path(out, 1, WORLD));
    assertArrayEquals(new long[] {2, 2, 1, 3}, part.get("arr_0").shape());
    assertArrayEquals(images(2, 4).toUint8Nhwc(), part.get("arr_0").toByteArray());
  }

  @Test
  void imageJoinRefusesAStalePartAndWritesNothing(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("s.npz");
    writeImageParts(out);
    SampleParts.writeImages(
        out, 1, WORLD, new SampleShards.Range(2, 3, 1), sink -> sink.accept(images(2, 3)));
    var e =
        assertThrows(
            IllegalStateException.class, () -> SampleParts.joinImages(out, WORLD, COUNT, UNIT));
    assertTrue(
        e.getMessage().contains("holds samples [2, 3) but rank 1 should have written [2, 4)"),
        e.getMessage());
    assertFalse(Files.exists(out));
    // a producer that falls short of its range leaves no part
    Path p0 = SampleParts.path(out, 0, WORLD);
    Files.delete(p0);
    var shortBy =
        assertThrows(
            IllegalStateException.class,
            () ->
                SampleParts.writeImages(
                    out,
                    0,
                    WORLD,
                    SampleShards.of(COUNT, UNIT, 0, WORLD),
                    sink -> sink.accept(images(0, 1))));
    assertTrue(shortBy.getMessage().contains("produced 1 of the"), shortBy.getMessage());
    assertFalse(Files.exists(p0));
  }
}
