package org.fasterdit.sample;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.fasterdit.io.HostTensor;
import org.fasterdit.io.Npz;

/**
 * The per-rank part files of a sharded {@code sample} run, next to the output: each rank writes its
 * block of samples (float32 data-space values, labels and the block's range) atomically, and rank 0
 * joins them, once every rank has written, into the one {@link SampleSet} a single process would
 * have produced, then deletes them. Parts hold the float values rather than the exported bytes so
 * that the output goes through the very same {@link SampleExport#write} as a single run, for every
 * format (.npz, .png, .npy). Hidden names ({@code .NAME.part-R-of-W.npz}) keep an evaluator that
 * globs the folder from picking them up.
 */
public final class SampleParts {
  private SampleParts() {}

  /** Where rank {@code rank} of {@code world} writes its part of output {@code out}. */
  public static Path path(Path out, int rank, int world) {
    return out.resolveSibling("." + out.getFileName() + ".part-" + rank + "-of-" + world + ".npz");
  }

  /** Writes the samples {@code [range.from, range.to)} of this rank, atomically. */
  public static void write(Path out, int rank, int world, SampleShards.Range range, SampleSet s) {
    if (s.count() != range.count())
      throw new IllegalArgumentException(
          s.count() + " samples for the range [" + range.from() + ", " + range.to() + ")");
    Map<String, HostTensor> m = new LinkedHashMap<>();
    m.put("x", HostTensor.ofFloats(new long[] {s.count(), s.c(), s.h(), s.w()}, s.x()));
    m.put("labels", HostTensor.ofLongs(new long[] {s.count()}, s.labels()));
    m.put("range", HostTensor.ofLongs(new long[] {2}, new long[] {range.from(), range.to()}));
    Npz.write(path(out, rank, world), m);
  }

  /**
   * The samples of all {@code world} parts in order, checked against the split {@code unit} of
   * {@code count} samples: a missing, stale or foreign part is an error naming the file.
   */
  public static SampleSet join(Path out, int world, int count, int unit) {
    float[] x = null;
    long[] labels = new long[count];
    int c = 0, h = 0, w = 0, per = 0;
    for (int r = 0; r < world; r++) {
      SampleShards.Range want = SampleShards.of(count, unit, r, world);
      Path p = path(out, r, world);
      if (!Files.isRegularFile(p))
        throw new IllegalStateException(
            "rank "
                + r
                + " of "
                + world
                + " reported its samples written, but "
                + p
                + " is missing");
      Map<String, HostTensor> m = Npz.read(p);
      HostTensor px = m.get("x"), pl = m.get("labels"), pr = m.get("range");
      if (px == null || pl == null || pr == null || px.rank() != 4 || pr.numel() != 2)
        throw new IllegalStateException(p + " is not a sample part (needs x, labels, range)");
      long[] got = pr.toLongArray();
      long[] shape = px.shape();
      if (got[0] != want.from()
          || got[1] != want.to()
          || shape[0] != want.count()
          || pl.numel() != want.count())
        throw new IllegalStateException(
            p
                + " holds samples ["
                + got[0]
                + ", "
                + got[1]
                + ") but rank "
                + r
                + " should have written ["
                + want.from()
                + ", "
                + want.to()
                + ") (a part of another run?)");
      if (want.count() == 0) continue;
      if (x == null) {
        c = (int) shape[1];
        h = (int) shape[2];
        w = (int) shape[3];
        per = c * h * w;
        x = new float[Math.multiplyExact(count, per)];
      } else if (shape[1] != c || shape[2] != h || shape[3] != w) {
        throw new IllegalStateException(
            p
                + " holds samples of shape "
                + java.util.Arrays.toString(shape)
                + ", other parts "
                + c
                + "x"
                + h
                + "x"
                + w);
      }
      System.arraycopy(px.toFloatArray(), 0, x, want.from() * per, want.count() * per);
      System.arraycopy(pl.toLongArray(), 0, labels, want.from(), want.count());
    }
    return new SampleSet(x, labels, c, h, w);
  }

  /** Deletes this run's parts (those that exist). */
  public static void delete(Path out, int world) {
    for (int r = 0; r < world; r++) deleteOwn(out, r, world);
  }

  /** Deletes the part of rank {@code rank}, if any. */
  public static void deleteOwn(Path out, int rank, int world) {
    Path p = path(out, rank, world);
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot delete the sample part " + p + ": " + e.getMessage(), e);
    }
  }
}
