package org.fasterdit.sample;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.fasterdit.io.AtomicFiles;
import org.fasterdit.io.HostTensor;
import org.fasterdit.io.Npz;

/**
 * The per-rank part files of a sharded {@code sample} run, next to the output: each rank writes its
 * block of samples and the block's range atomically, and rank 0 joins them once every rank has
 * written, then deletes them. For an .npz output a part holds the uint8 images themselves, streamed
 * in as they are made ({@link #writeImages}), and rank 0 streams them into the output ({@link
 * #joinImages}): memory does not grow with the count. For the other formats (.png grid, .npy
 * latents) a part holds the float32 data-space values and rank 0 joins them in memory into the one
 * {@link SampleSet} a single process would have produced ({@link #write}, {@link #join}), which
 * then goes through the same {@link SampleExport#write} as a single run. Hidden names ({@code
 * .NAME.part-R-of-W.npz}) keep an evaluator that globs the folder from picking them up.
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
      Map<String, HostTensor> m = Npz.read(existing(p, r, world));
      HostTensor px = checked(p, r, want, m, "x", "x, labels, range");
      if (want.count() == 0) continue;
      long[] shape = px.shape();
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
                + Arrays.toString(shape)
                + ", other parts "
                + c
                + "x"
                + h
                + "x"
                + w);
      }
      System.arraycopy(px.toFloatArray(), 0, x, want.from() * per, want.count() * per);
      System.arraycopy(m.get("labels").toLongArray(), 0, labels, want.from(), want.count());
    }
    return new SampleSet(x, labels, c, h, w);
  }

  /**
   * Streams rank {@code rank}'s block of images into its part as the {@code producer} makes them:
   * an ADM-layout .npz of uint8 images (what the output holds, a quarter of the float32 values)
   * plus the block's range, written atomically. For .npz outputs, with {@link #joinImages}.
   */
  public static void writeImages(
      Path out, int rank, int world, SampleShards.Range range, SampleNpzWriter.Producer producer) {
    SampleNpzWriter.write(
        path(out, rank, world),
        range.count(),
        Map.of("range", HostTensor.ofLongs(new long[] {2}, new long[] {range.from(), range.to()})),
        producer);
  }

  /**
   * Writes the .npz output {@code out} from the image parts of {@link #writeImages}, checked as
   * {@link #join} checks them, by streaming copy: one part mapped at a time, its bytes appended, so
   * rank 0's memory does not grow with the count. The file is the one a single process writes.
   *
   * @return the line {@link SampleExport#write} prints
   */
  public static String joinImages(Path out, int world, int count, int unit) {
    return SampleNpzWriter.write(
        out,
        count,
        Map.of(),
        sink -> {
          for (int r = 0; r < world; r++) {
            SampleShards.Range want = SampleShards.of(count, unit, r, world);
            Path p = path(out, r, world);
            try (Arena arena = Arena.ofConfined()) {
              Map<String, HostTensor> m = Npz.map(existing(p, r, world), arena);
              HostTensor px = checked(p, r, want, m, "arr_0", "arr_0, labels, range");
              if (want.count() == 0) continue;
              long[] s = px.shape(); // (n, h, w, c)
              sink.acceptUint8(
                  px.data(), m.get("labels").toLongArray(), (int) s[3], (int) s[1], (int) s[2]);
            }
          }
        });
  }

  private static Path existing(Path p, int r, int world) {
    if (!Files.isRegularFile(p))
      throw new IllegalStateException(
          "rank " + r + " of " + world + " reported its samples written, but " + p + " is missing");
    return p;
  }

  /** The part's samples (member {@code key}), once its range and counts match the split's. */
  private static HostTensor checked(
      Path p, int r, SampleShards.Range want, Map<String, HostTensor> m, String key, String needs) {
    HostTensor px = m.get(key), pl = m.get("labels"), pr = m.get("range");
    if (px == null || pl == null || pr == null || px.rank() != 4 || pr.numel() != 2)
      throw new IllegalStateException(p + " is not a sample part (needs " + needs + ")");
    long[] got = pr.toLongArray();
    if (got[0] != want.from()
        || got[1] != want.to()
        || px.shape()[0] != want.count()
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
    return px;
  }

  /** Deletes this run's parts (those that exist). */
  public static void delete(Path out, int world) {
    for (int r = 0; r < world; r++) deleteOwn(out, r, world);
  }

  /**
   * Deletes the temp files of parts still being streamed (or left by a rank that was killed while
   * streaming its part, which no finally block of its own removes). Only for a run that has failed:
   * a rank still writing then fails its own rename, as it should.
   */
  public static void deleteUnfinished(Path out, int world) {
    Path dir = out.toAbsolutePath().normalize().getParent();
    for (int r = 0; r < world; r++)
      AtomicFiles.deleteInterruptedWrites(dir, path(out, r, world).getFileName().toString());
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
