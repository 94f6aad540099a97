package org.fasterdit.dist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.fasterdit.cli.ChildJvm;
import org.fasterdit.cli.CliRun;
import org.fasterdit.io.HostTensor;
import org.fasterdit.io.Npz;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code launch --nproc 2 -- sample} must write the very file a single process writes: the same
 * images byte for byte and the same labels, from one .npz, with no part files left. Uses the SDE
 * sampler (per-step noise drawn per batch) and an uneven count (13 samples in batches of 4: ranks
 * get 8 and 5), the cases where a naive split would differ.
 */
class ShardedSamplingTest {
  @TempDir static Path shared;
  static Path run;

  /** A tiny model trained for 2 steps: what matters is that its output depends on its input. */
  @BeforeAll
  static void trainTinyModel() throws Exception {
    Path results = shared.resolve("results");
    CliRun.ok(
        "train",
        "--dataset=synthetic",
        "--model=custom",
        "--depth=1",
        "--hidden=32",
        "--heads=2",
        "--patch=8",
        "--batch=8",
        "--stats-samples=16",
        "--steps=2",
        "--ckpt-every=0",
        "--device=cpu",
        "--results=" + results,
        "--run-name=tiny");
    try (Stream<Path> s = Files.list(results)) {
      run = s.findFirst().orElseThrow();
    }
  }

  @Test
  void twoRanksWriteTheSingleProcessOutput(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("out");
    Files.createDirectories(out);
    Path single = out.resolve("single.npz"), multi = out.resolve("multi.npz");
    List<String> one = new ArrayList<>(List.of("sample"));
    one.addAll(sampleArgs(run, single));
    CliRun.ok(one.toArray(new String[0]));

    List<String> args = new ArrayList<>(List.of("sample"));
    args.addAll(sampleArgs(run, multi));
    String text = TwoRankLaunch.run(dir.resolve("launch.log"), args);
    assertTrue(text.contains("[rank 0] rank 0: samples [0, 8) of 13"), text);
    assertTrue(text.contains("[rank 1] rank 1: samples [8, 13) of 13"), text);
    assertTrue(!text.contains("[rank 1] wrote"), "only rank 0 writes the output:\n" + text);

    Map<String, HostTensor> a = Npz.read(single), b = Npz.read(multi);
    assertEquals(a.keySet(), b.keySet());
    assertArrayEquals(new long[] {13, 32, 32, 1}, b.get("arr_0").shape());
    assertArrayEquals(a.get("arr_0").shape(), b.get("arr_0").shape());
    assertArrayEquals(a.get("arr_0").toByteArray(), b.get("arr_0").toByteArray(), "arr_0 bytes");
    assertArrayEquals(a.get("labels").toLongArray(), b.get("labels").toLongArray(), "labels");

    // the parts (and any temp file of an atomic write) are gone: only the two outputs remain
    List<String> left;
    try (Stream<Path> s = Files.list(out)) {
      left = s.map(f -> f.getFileName().toString()).sorted().toList();
    }
    assertEquals(List.of("multi.npz", "single.npz"), left);
  }

  /**
   * Ranks started directly (not by {@code launch}, which would stop the survivor itself): rank 1 is
   * killed while sampling; rank 0 must fail promptly naming the collective, and neither the output
   * nor a part may be left.
   */
  @Test
  void aRankThatDiesStopsTheOtherAndLeavesNoOutput(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("out");
    Files.createDirectories(out);
    Path target = out.resolve("s.npz");
    int port = LocalLauncher.freePort();
    List<String> args = new ArrayList<>(List.of("sample"));
    args.addAll(sampleArgs(run, target, 400, 1));
    List<String> cmd = ChildJvm.command("org.fasterdit.cli.Main", args.toArray(new String[0]));
    Process r0 = ChildJvm.start(cmd, PeerFailureTest.env(0, port), dir.resolve("r0.log"));
    Process r1 = ChildJvm.start(cmd, PeerFailureTest.env(1, port), dir.resolve("r1.log"));
    try {
      long deadline = System.nanoTime() + 90_000_000_000L;
      while (!Files.readString(dir.resolve("r1.log")).contains("rank 1: samples [200, 400)")) {
        assertTrue(r1.isAlive(), "rank 1 died early:\n" + Files.readString(dir.resolve("r1.log")));
        assertTrue(System.nanoTime() < deadline, "rank 1 did not start sampling in 90 s");
        Thread.sleep(50);
      }
      long t0 = System.nanoTime();
      r1.destroyForcibly();
      int code = ChildJvm.waitFor(r0, 60);
      double seconds = (System.nanoTime() - t0) / 1e9;
      String log = Files.readString(dir.resolve("r0.log"));
      System.out.printf("rank 1 killed: rank 0 exited with code %d after %.1f s%n", code, seconds);
      assertTrue(code != 0, log);
      assertTrue(seconds < PeerFailureTest.TIMEOUT_S + 10, "rank 0 took " + seconds + " s");
      assertTrue(log.contains("rank 0 of 2: all-reduce of sampling progress"), log);
      assertTrue(log.contains("likely cause: a peer process died"), log);
      try (Stream<Path> s = Files.list(out)) {
        assertEquals(List.of(), s.toList(), "files left at the destination");
      }
    } finally {
      r0.destroyForcibly();
      r1.destroyForcibly();
    }
  }

  static List<String> sampleArgs(Path run, Path out) {
    return sampleArgs(run, out, 13, 4);
  }

  static List<String> sampleArgs(Path run, Path out, int num, int batch) {
    return List.of(
        "--checkpoint",
        run.toString(),
        "--num",
        Integer.toString(num),
        "--batch",
        Integer.toString(batch),
        "--sampler",
        "sde",
        "--steps",
        "4",
        "--seed",
        "5",
        "--precision",
        "fp32",
        "--device",
        "cpu",
        "--out",
        out.toString());
  }
}
