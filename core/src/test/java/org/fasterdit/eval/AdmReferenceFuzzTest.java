package org.fasterdit.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import org.fasterdit.inception.InceptionFeatures;
import org.fasterdit.io.DType;
import org.fasterdit.io.FuzzTally;
import org.fasterdit.io.HostTensor;
import org.fasterdit.io.Mutator;
import org.fasterdit.io.Npz;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ADM reference batches ({@code mu}, {@code sigma}, {@code mu_s}, {@code sigma_s}, {@code arr_0})
 * mutated byte-wise and field-wise, read the way {@code eval --ref} reads them ({@link
 * InceptionEvaluation#reference}): each must give statistics of the right size and finite, or
 * images of a usable shape, or be refused with an IllegalArgumentException naming the file; never
 * another exception. {@code -Dfasterdit.fuzz=N} sets the mutations of the images-only seed (the
 * full ADM seed, 65 MB of float64 statistics, gets N/10).
 */
class AdmReferenceFuzzTest {
  static final int N = Integer.getInteger("fasterdit.fuzz", 300);
  static final int P = InceptionFeatures.POOL3_DIM, S = InceptionFeatures.SPATIAL_DIM;

  @TempDir Path tmp;

  static HostTensor images(int n, int h, int w, int c, Random r) {
    byte[] b = new byte[n * h * w * c];
    r.nextBytes(b);
    return HostTensor.ofBytes(DType.U8, new long[] {n, h, w, c}, b);
  }

  static HostTensor vector(int d, Random r) {
    double[] v = new double[d];
    for (int i = 0; i < d; i++) v[i] = r.nextGaussian();
    return HostTensor.ofDoubles(new long[] {d}, v);
  }

  /** A symmetric positive definite d x d matrix (diagonal plus a small symmetric band). */
  static HostTensor covariance(int d) {
    double[] c = new double[d * d];
    for (int i = 0; i < d; i++) {
      c[i * d + i] = 1 + i % 7;
      if (i + 1 < d) c[i * d + i + 1] = c[(i + 1) * d + i] = 0.1;
    }
    return HostTensor.ofDoubles(new long[] {d, d}, c);
  }

  /** ADM's full layout: both statistics and a few images. */
  static Map<String, HostTensor> adm(Random r) {
    Map<String, HostTensor> m = new LinkedHashMap<>();
    m.put("mu", vector(P, r));
    m.put("sigma", covariance(P));
    m.put("mu_s", vector(S, r));
    m.put("sigma_s", covariance(S));
    m.put("arr_0", images(3, 8, 8, 3, r));
    return m;
  }

  /** What eval would use must be consistent: right sizes, finite statistics, uint8 images. */
  static Object check(Path file) {
    InceptionEvaluation.Reference ref = InceptionEvaluation.reference(file, 8);
    for (FrechetDistance.Gaussian g : Arrays.asList(ref.pool3Stats(), ref.spatialStats())) {
      if (g == null) continue;
      assertTrue(g.dim() == P || g.dim() == S);
      assertEquals((long) g.dim() * g.dim(), g.cov().length);
      for (double v : g.mean()) assertTrue(Double.isFinite(v));
      for (double v : g.cov()) assertTrue(Double.isFinite(v));
    }
    assertTrue(ref.pool3Stats() != null || ref.hasImages());
    if (ref.images() != null) {
      assertEquals(DType.U8, ref.images().dtype());
      long[] s = ref.images().shape();
      assertTrue(s[0] >= 1 && s[1] >= 1 && s[2] >= 1, Arrays.toString(s));
    }
    return null;
  }

  /** Offsets of the zip local headers: each npy member's header follows one. */
  static List<Integer> members(byte[] zip) {
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i + 4 <= zip.length; i++) {
      if (zip[i] == 'P' && zip[i + 1] == 'K' && zip[i + 2] == 3 && zip[i + 3] == 4) out.add(i);
    }
    return out;
  }

  /** A whole-file mutation, or one in the 256 bytes at a member's zip and npy headers. */
  static byte[] mutate(byte[] seed, List<Integer> members, Random r) {
    if (r.nextBoolean()) return Mutator.mutate(seed, r);
    int start = members.get(r.nextInt(members.size()));
    int w = Math.min(256, seed.length - start);
    return Mutator.mutateWindow(seed, start, w, r);
  }

  private void fuzz(FuzzTally tally, String format, Map<String, HostTensor> seedMap, int n)
      throws Exception {
    Path file = tmp.resolve(format + ".npz");
    Npz.write(file, seedMap);
    assertTrue(tally.run(format + "/seed", 0, file.toString(), () -> check(file)));
    byte[] seed = Files.readAllBytes(file);
    List<Integer> members = members(seed);
    Random r = new Random(11 + format.hashCode());
    for (int i = 0; i < n; i++) {
      Files.write(file, mutate(seed, members, r));
      tally.run(format, i, file.toString(), () -> check(file));
    }
    assertTrue(tally.refused(format) > 0, format + ": nothing refused");
  }

  @Test
  void mutatedReferenceBatchesLoadOrFailCleanly() throws Exception {
    FuzzTally tally = new FuzzTally("AdmReferenceFuzzTest");
    Random r = new Random(1);
    Map<String, HostTensor> small = new LinkedHashMap<>();
    small.put("arr_0", images(4, 8, 8, 3, r));
    small.put("labels", HostTensor.ofLongs(new long[] {4}, new long[] {0, 1, 2, 3}));
    fuzz(tally, "npz-arr_0", small, N);
    fuzz(tally, "npz-adm-full", adm(r), Math.max(1, N / 10));
    System.out.print(tally.report());
  }

  /** Well-formed files whose fields are wrong: every one refused by name. */
  @Test
  void wrongFieldsAreRefusedByName() throws Exception {
    FuzzTally tally = new FuzzTally("AdmReferenceFuzzTest");
    Random r = new Random(2);
    Map<String, Consumer<Map<String, HostTensor>>> edits = new LinkedHashMap<>();
    edits.put(
        "sigma not square",
        m -> m.put("sigma", HostTensor.ofDoubles(new long[] {P, P - 1}, new double[P * (P - 1)])));
    edits.put(
        "sigma 1-d",
        m -> m.put("sigma", HostTensor.ofDoubles(new long[] {P * P}, new double[P * P])));
    edits.put("mu length != sigma dim", m -> m.put("mu", vector(P - 1, r)));
    edits.put("mu 2-d", m -> m.put("mu", HostTensor.ofDoubles(new long[] {1, P}, new double[P])));
    edits.put("mu_s other dim", m -> m.put("mu_s", vector(P, r)));
    edits.put("sigma_s of pool3", m -> m.put("sigma_s", covariance(P)));
    edits.put(
        "mu NaN",
        m -> {
          double[] v = m.get("mu").toDoubleArray();
          v[5] = Double.NaN;
          m.put("mu", HostTensor.ofDoubles(new long[] {P}, v));
        });
    edits.put(
        "sigma_s infinite",
        m -> {
          double[] v = m.get("sigma_s").toDoubleArray();
          v[v.length - 1] = Double.POSITIVE_INFINITY;
          m.put("sigma_s", HostTensor.ofDoubles(new long[] {S, S}, v));
        });
    edits.put("mu int64", m -> m.put("mu", HostTensor.ofLongs(new long[] {P}, new long[P])));
    edits.put(
        "sigma bool",
        m -> m.put("sigma", HostTensor.ofBytes(DType.BOOL, new long[] {P, P}, new byte[P * P])));
    edits.put("sigma without mu", m -> m.remove("mu"));
    edits.put("mu_s without sigma_s", m -> m.remove("sigma_s"));
    edits.put(
        "no statistics, no images",
        m -> {
          m.clear();
          m.put("other", vector(3, r));
        });
    edits.put("empty", Map::clear);
    edits.put(
        "arr_0 float32",
        m -> m.put("arr_0", HostTensor.ofFloats(new long[] {2, 8, 8, 3}, new float[384])));
    edits.put("arr_0 2 channels", m -> m.put("arr_0", images(2, 8, 8, 2, r)));
    edits.put("arr_0 no images", m -> m.put("arr_0", images(0, 8, 8, 3, r)));
    edits.put("arr_0 zero height", m -> m.put("arr_0", images(2, 0, 8, 3, r)));
    edits.put("arr_0 zero width", m -> m.put("arr_0", images(2, 8, 0, 3, r)));
    edits.put(
        "arr_0 1-d",
        m -> m.put("arr_0", HostTensor.ofBytes(DType.U8, new long[] {12}, new byte[12])));
    edits.put(
        "arr_0 0-d", m -> m.put("arr_0", HostTensor.ofBytes(DType.U8, new long[0], new byte[1])));
    Map<String, HostTensor> base = adm(r);
    int i = 0;
    for (var e : edits.entrySet()) {
      Map<String, HostTensor> m = new LinkedHashMap<>(base);
      e.getValue().accept(m);
      Path file = tmp.resolve("field-" + i + ".npz");
      Npz.write(file, m);
      assertFalse(
          tally.run("npz-fields", i++, file.toString(), () -> check(file)), e.getKey() + " loaded");
    }
    assertEquals(edits.size(), tally.refused("npz-fields"));
    System.out.print(tally.report());
  }
}
