package org.fasterdit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.fasterdit.inception.FidInception;
import org.fasterdit.io.HostTensor;
import org.fasterdit.io.Npz;
import org.fasterdit.io.ReferenceScript;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code eval --samples --ref --inception} end to end against
 * benchmarks/reference/eval_reference.py (pytorch-fid's Inception in float64 with random weights,
 * ADM's metrics in numpy/scipy) on 20 sample and 16 reference images: the 1e-3 relative,
 * for each kind of reference; the reference cache is reused, and a corrupt or stale one recomputed.
 */
class EvalInceptionCliTest {
  static final double RELATIVE = 1e-3;

  static Path generated;
  static Map<String, Double> expected = new LinkedHashMap<>();
  @TempDir Path dir;

  /** Runs the reference once per version of its three scripts. */
  @BeforeAll
  static void generate() throws Exception {
    generated =
        ReferenceScript.outputs(
            "eval_reference.py",
            List.of("torch", "torchvision", "numpy", "scipy"),
            "inception_reference.py",
            "metrics_reference.py");
    Npz.read(generated.resolve("expected.npz")).forEach((k, v) -> expected.put(k, v.getDouble(0)));
    System.out.println("reference pipeline: " + expected);
  }

  static CliRun eval(String... args) {
    String[] all = new String[args.length + 1];
    all[0] = "eval";
    System.arraycopy(args, 0, all, 1, args.length);
    return CliRun.of(all);
  }

  /** The generated file copied into the test's folder, so that caches land there. */
  Path copy(String name) throws Exception {
    return Files.copy(generated.resolve(name), dir.resolve(name));
  }

  CliRun evalAgainst(Path ref) throws Exception {
    return eval(
        "--samples", generated.resolve("samples.npz").toString(),
        "--ref", ref.toString(),
        "--inception", generated.resolve("fid_inception.pth").toString(),
        "--batch", "8",
        "--device", "cpu");
  }

  static void assertClose(String key, CliRun r, String metric) {
    double want = expected.get(key), got = r.metric(metric);
    double rel = Math.abs(got - want) / Math.abs(want);
    System.out.printf("%s: eval %.8g reference %.8g relative %.2e%n", metric, got, want, rel);
    assertTrue(rel <= RELATIVE, metric + " " + got + " vs reference " + want);
  }

  static void assertAllFive(CliRun r) {
    assertEquals(0, r.code(), r.err());
    assertClose("fid", r, "FID");
    assertClose("sfid", r, "sFID");
    assertClose("inception_score", r, "IS");
    assertClose("precision", r, "precision");
    assertClose("recall", r, "recall");
    assertFalse(r.out().contains("skipped"), r.out());
  }

  @Test
  void admReferenceBatchGivesAllFiveMetrics() throws Exception {
    System.out.println("smallest relative radius gap: " + expected.get("radius_gap"));
    assertAllFive(evalAgainst(copy("ref_adm.npz")));
  }

  @Test
  void imagesOnlyReferenceIsCachedReusedAndRecomputedWhenCorruptOrStale() throws Exception {
    Path ref = copy("ref_images.npz");
    Path cache = dir.resolve("ref_images.npz.inception-stats.npz");
    CliRun first = evalAgainst(ref);
    assertAllFive(first);
    assertTrue(first.err().contains("computed, cached in " + cache), first.err());
    assertTrue(Files.isRegularFile(cache));

    CliRun second = evalAgainst(ref);
    assertTrue(second.err().contains("read from cache " + cache), second.err());
    assertFalse(second.err().contains("inception reference:"), "no reference features computed");
    assertEquals(first.out(), second.out(), "the cache gives the same metrics");

    Files.write(cache, new byte[] {'P', 'K', 3, 4, 0, 1, 2}); // a truncated zip
    CliRun corrupt = evalAgainst(ref);
    assertTrue(corrupt.err().contains("ignoring cache " + cache + ": unreadable"), corrupt.err());
    assertTrue(corrupt.err().contains("computed, cached in"), corrupt.err());
    assertEquals(first.out(), corrupt.out());

    // other content under the same name: the cache's key no longer matches
    Files.copy(generated.resolve("ref_adm.npz"), ref, StandardCopyOption.REPLACE_EXISTING);
    CliRun stale = evalAgainst(ref);
    assertTrue(stale.err().contains("ignoring cache " + cache + ": stale"), stale.err());
    assertAllFive(stale);
  }

  @Test
  void statisticsOnlyReferenceGivesFidAloneAndSaysWhy() throws Exception {
    CliRun r = evalAgainst(copy("ref_stats.npz"));
    assertEquals(0, r.code(), r.err());
    assertClose("fid", r, "FID");
    assertTrue(r.out().contains("skipped sFID: ") && r.out().contains("no mu_s/sigma_s"), r.out());
    assertTrue(
        r.out().contains("skipped precision, recall: ") && r.out().contains("no images"), r.out());
    assertFalse(r.out().contains("sFID=") || r.out().contains("precision="), r.out());
    assertTrue(r.out().contains("IS="), "IS needs the samples only");
    assertFalse(Files.exists(dir.resolve("ref_stats.npz.inception-stats.npz")), "nothing to cache");
  }

  @Test
  void badInputsGiveClearErrors() throws Exception {
    Path ref = copy("ref_stats.npz");
    Path truncated = dir.resolve("truncated.npz");
    byte[] full = Files.readAllBytes(generated.resolve("samples.npz"));
    Files.write(truncated, java.util.Arrays.copyOf(full, full.length / 2));
    CliRun r = eval("--samples", truncated.toString(), "--ref", ref.toString(), "--device", "cpu");
    assertEquals(1, r.code());
    assertTrue(r.err().contains(truncated + ": not a readable .npz"), r.err());

    Path missing = dir.resolve("nowhere.pth");
    r =
        eval(
            "--samples", generated.resolve("samples.npz").toString(),
            "--ref", ref.toString(),
            "--inception", missing.toString(),
            "--device", "cpu");
    assertEquals(1, r.code());
    assertTrue(
        r.err().contains(FidInception.WEIGHTS_FILE)
            && r.err().contains("pytorch-fid")
            && r.err().contains(FidInception.defaultWeightsPath().toString()),
        r.err());

    Path half = dir.resolve("half.npz");
    HostTensor mu = Npz.read(ref).get("mu");
    Npz.write(half, Map.of("mu", mu));
    r = eval("--samples", generated.resolve("samples.npz").toString(), "--ref", half.toString());
    assertEquals(1, r.code());
    assertTrue(r.err().contains(half + ": has mu without sigma"), r.err());

    Path noImages = dir.resolve("labels.npz");
    Npz.write(noImages, Map.of("labels", HostTensor.ofLongs(new long[] {2}, new long[] {1, 2})));
    r = eval("--samples", noImages.toString(), "--ref", ref.toString());
    assertEquals(1, r.code());
    assertTrue(r.err().contains(noImages + ": no arr_0"), r.err());
  }
}
