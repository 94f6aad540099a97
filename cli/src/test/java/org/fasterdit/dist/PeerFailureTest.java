package org.fasterdit.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.fasterdit.cli.ChildJvm;
import org.fasterdit.train.Checkpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A data-parallel job must never hang: a rank that dies, freezes or never starts makes the others
 * exit non-zero within the timeout, saying what happened, and rank 0's checkpoints stay intact.
 * Ranks are started directly with torchrun-style variables (not through the launcher, which would
 * stop the survivors itself).
 */
class PeerFailureTest {
  static final int TIMEOUT_S = 8;

  static List<String> train(Path results) {
    return ChildJvm.command(
        "org.fasterdit.cli.Main",
        "train",
        "--dataset=synthetic",
        "--model=custom",
        "--depth=2",
        "--hidden=32",
        "--heads=2",
        "--patch=8",
        "--batch=8",
        "--stats-samples=64",
        "--steps=1000000",
        "--log-every=1000",
        "--ckpt-every=10",
        "--results=" + results);
  }

  static Map<String, String> env(int rank, int port) {
    return Map.of(
        "RANK",
        Integer.toString(rank),
        "WORLD_SIZE",
        "2",
        "LOCAL_RANK",
        Integer.toString(rank),
        "MASTER_ADDR",
        "127.0.0.1",
        "MASTER_PORT",
        Integer.toString(port),
        DistEnv.TIMEOUT_VARIABLE,
        Integer.toString(TIMEOUT_S));
  }

  /**
   * Starts two ranks, waits for rank 0's second checkpoint, then applies {@code harm} to rank 1.
   */
  static void survivorReports(Path dir, String harm, double maxSeconds, String expected)
      throws Exception {
    Path results = dir.resolve("results");
    int port = LocalLauncher.freePort();
    Process r0 = ChildJvm.start(train(results), env(0, port), dir.resolve("r0.log"));
    Process r1 = ChildJvm.start(train(results), env(1, port), dir.resolve("r1.log"));
    try {
      long deadline = System.nanoTime() + 60_000_000_000L;
      while (checkpoints(results).size() < 2) {
        assertTrue(
            r0.isAlive() && r1.isAlive(),
            "a rank died early:\n" + Files.readString(dir.resolve("r0.log")));
        assertTrue(
            System.nanoTime() < deadline,
            "no checkpoints after 60 s:\n" + Files.readString(dir.resolve("r0.log")));
        Thread.sleep(100);
      }
      long t0 = System.nanoTime();
      if (harm.equals("kill")) r1.destroyForcibly();
      else new ProcessBuilder("kill", "-STOP", Long.toString(r1.pid())).start().waitFor();
      int code = ChildJvm.waitFor(r0, 60);
      double seconds = (System.nanoTime() - t0) / 1e9;
      String log = Files.readString(dir.resolve("r0.log"));
      System.out.printf(
          "rank 1 %s: rank 0 exited with code %d after %.1f s (timeout %d s)%n",
          harm, code, seconds, TIMEOUT_S);
      assertNotEquals(0, code, log);
      assertTrue(seconds < maxSeconds, "rank 0 took " + seconds + " s to notice");
      assertTrue(
          log.contains("rank 0 of 2: all-reduce of"),
          log); // of gradients or of the logged loss terms
      // Gloo's own timeout ("Timed out waiting ...") or our watchdog's ("timed out") may win the
      // race
      assertTrue(log.toLowerCase(java.util.Locale.ROOT).contains(expected), log);
      // the last checkpoint is complete and loadable; no partial file is left behind
      List<Path> ckpts = checkpoints(results);
      try (Stream<Path> s = Files.list(ckpts.get(0).getParent())) {
        assertEquals(ckpts.size(), s.count(), "stray files next to the checkpoints");
      }
      try (Arena arena = Arena.ofConfined()) {
        var last =
            Checkpoint.read(
                Checkpoint.resolveLatest(results.resolve(results.toFile().list()[0])), arena);
        assertEquals(0, last.meta().step() % 10);
        assertTrue(last.group("model").size() > 10);
      }
    } finally {
      r0.destroyForcibly();
      r1.destroyForcibly(); // SIGKILL also ends a stopped process
    }
  }

  static List<Path> checkpoints(Path results) throws IOException {
    if (!Files.isDirectory(results)) return List.of();
    List<Path> out = new ArrayList<>();
    try (Stream<Path> runs = Files.list(results)) {
      for (Path run : runs.toList()) {
        Path c = run.resolve("checkpoints");
        if (!Files.isDirectory(c)) continue;
        try (Stream<Path> s = Files.list(c)) {
          s.filter(p -> p.getFileName().toString().endsWith(".safetensors")).forEach(out::add);
        }
      }
    }
    return out;
  }

  @Test
  void aKilledRankMakesTheOtherExitAtOnce(@TempDir Path dir) throws Exception {
    // the dead peer's sockets close, so Gloo fails on the next collective without waiting for the
    // timeout
    survivorReports(
        dir,
        "kill",
        TIMEOUT_S + 10,
        "peer"); // "Connection reset by peer" or "closed by peer", by timing
  }

  @Test
  void aFrozenRankMakesTheOtherExitAfterTheTimeout(@TempDir Path dir) throws Exception {
    survivorReports(
        dir, "stop", TIMEOUT_S + 15, "timed out"); // slack for a loaded 2-core CI machine
  }

  @Test
  void aRankThatNeverArrivesEndsRendezvousAfterTheTimeout(@TempDir Path dir) throws Exception {
    Process r0 =
        ChildJvm.start(
            train(dir.resolve("results")), env(0, LocalLauncher.freePort()), dir.resolve("r0.log"));
    long t0 = System.nanoTime();
    int code = ChildJvm.waitFor(r0, 60);
    double seconds = (System.nanoTime() - t0) / 1e9;
    String log = Files.readString(dir.resolve("r0.log"));
    System.out.printf(
        "rank 1 never started: rank 0 exited with code %d after %.1f s including JVM start (timeout %d s)%n",
        code, seconds, TIMEOUT_S);
    assertNotEquals(0, code, log);
    assertTrue(log.contains("rank 0 of 2: not all 2 ranks joined within " + TIMEOUT_S + " s"), log);
    assertTrue(seconds < TIMEOUT_S + 20, "took " + seconds + " s");
  }
}
