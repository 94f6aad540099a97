package org.fasterdit.robust;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.fasterdit.cli.ChildJvm;
import org.fasterdit.io.SafeTensors;
import org.fasterdit.train.Checkpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training killed with SIGKILL at random moments resumes each time from its last complete
 * checkpoint, never finds a half-written one, and ends with exactly the weights of an uninterrupted
 * run. CI kills a few times; the long job sets -Dfasterdit.kills=20 or more.
 */
class CrashResumeTest {
  static final int KILLS = Integer.getInteger("fasterdit.kills", 3);
  static final int STEPS =
      Math.max(16, 40 * KILLS); // long enough that every planned kill lands mid-run
  static final String[] ARGS = {
    "--dataset=synthetic",
    "--model=custom",
    "--depth=2",
    "--hidden=32",
    "--heads=2",
    "--patch=8",
    "--batch=8",
    "--stats-samples=64",
    "--steps=" + STEPS,
    "--ckpt-every=1",
    "--log-every=1",
    "--ema-decay=0.9",
    "--lr=1e-3"
  };

  @Test
  void killedTrainingResumesToTheSameWeights(@TempDir Path dir) throws Exception {
    int kills = KILLS;
    Path straight = dir.resolve("straight"), killed = dir.resolve("killed");
    run(dir.resolve("straight.log"), "train", "--results=" + straight);
    Path straightRun = only(straight);

    // Each kill lands once the run has written a checkpoint past a random target step, and the
    // targets split the run into kills + 1 parts: kills then land mid-run whatever the machine's
    // speed (timed delays either outlasted the whole run on a fast idle CPU or all landed in the
    // JVM's start-up on a loaded one). Between polls the run goes on, so a kill hits a random
    // moment after its target: mid-step, mid-write of the next checkpoint, or in between.
    SplittableRandom rng = new SplittableRandom(42);
    Path log = dir.resolve("killed.log");
    Process p = ChildJvm.startCli(log, concat(new String[] {"train", "--results=" + killed}, ARGS));
    int done = 0;
    long part = STEPS / (kills + 1);
    while (done < kills) {
      long target = done * part + 1 + rng.nextLong(part - 1);
      while (p.isAlive() && latestStep(killed) < target) Thread.sleep(1 + rng.nextInt(20));
      if (!p.isAlive()) break; // finished before we killed it again
      p.destroyForcibly().waitFor(); // SIGKILL: no shutdown hooks, no finally blocks
      done++;
      Path run = only(killed);
      checkAllCheckpointsComplete(run);
      p = ChildJvm.startCli(log, "train", "--resume=" + run);
    }
    assertTrue(p.waitFor(5, TimeUnit.MINUTES), "resumed run did not finish");
    assertEquals(0, p.exitValue(), "final run failed; see " + Files.readString(log));
    assertTrue(done >= Math.min(kills, 1), "the run finished before the first kill");
    long resumes =
        Files.readAllLines(log).stream().filter(l -> l.startsWith("resumed from")).count();
    System.out.println(
        "CrashResumeTest: killed " + done + " times with SIGKILL, resumed " + resumes + " times");
    assertTrue(resumes >= 1, "no kill happened after a checkpoint existed: nothing was resumed");
    Path run = only(killed);
    checkAllCheckpointsComplete(run);
    assertEquals(
        List.of(),
        EncodeKillResumeTest.temps(run.resolve("checkpoints")),
        "the last resume removed what the kills left half written");
    try (Arena a = Arena.ofConfined()) {
      var want = Checkpoint.read(Checkpoint.fileFor(straightRun.resolve("checkpoints"), STEPS), a);
      var got = Checkpoint.read(Checkpoint.fileFor(run.resolve("checkpoints"), STEPS), a);
      for (String group : List.of("model", "ema")) {
        for (var e : want.group(group).entrySet()) {
          assertArrayEquals(
              e.getValue().toFloatArray(),
              got.group(group).get(e.getKey()).toFloatArray(),
              group + "." + e.getKey());
        }
      }
    }
  }

  static void run(Path log, String... first) throws Exception {
    Process p = ChildJvm.startCli(log, concat(first, ARGS));
    assertTrue(p.waitFor(5, TimeUnit.MINUTES));
    assertEquals(0, p.exitValue(), Files.readString(log));
  }

  /**
   * Every checkpoint file present parses completely (atomic writes leave no partial file under the
   * final name).
   */
  static void checkAllCheckpointsComplete(Path run) throws Exception {
    if (!Files.isDirectory(run.resolve("checkpoints"))) return;
    try (Stream<Path> s = Files.list(run.resolve("checkpoints"));
        Arena a = Arena.ofConfined()) {
      for (Path f : s.toList()) {
        if (f.getFileName().toString().endsWith(".tmp"))
          continue; // an interrupted write, never read
        var file = SafeTensors.read(f, a);
        assertTrue(file.tensors().containsKey("model.pos_embed"), f + " incomplete");
      }
    }
  }

  /** The step of the newest complete checkpoint under {@code results}, 0 when there is none yet. */
  static long latestStep(Path results) throws Exception {
    if (!Files.isDirectory(results)) return 0;
    Path run = only(results);
    if (!Files.isDirectory(run.resolve("checkpoints"))) return 0;
    try (Stream<Path> s = Files.list(run.resolve("checkpoints"))) {
      return s.map(f -> f.getFileName().toString())
          .filter(n -> n.matches("step-\\d+\\.safetensors"))
          .mapToLong(n -> Long.parseLong(n.substring(5, n.indexOf('.'))))
          .max()
          .orElse(0);
    }
  }

  static Path only(Path results) throws Exception {
    try (Stream<Path> s = Files.list(results)) {
      return s.filter(Files::isDirectory).findFirst().orElse(results.resolve("none-yet"));
    }
  }

  static String[] concat(String[] a, String[] b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
