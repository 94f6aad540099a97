package org.fasterdit.robust;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.fasterdit.cli.ChildJvm;
import org.fasterdit.train.Checkpoint;
import org.fasterdit.train.Preemption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM (a real signal to a child JVM) stops training after the step in flight: the run writes a
 * complete checkpoint at that step, exits with {@link Preemption#EXIT_CODE}, and {@code --resume}
 * ends with exactly the weights of an uninterrupted run to the same step. Under {@code launch} the
 * signal to the launcher reaches both ranks, they stop at the same step, rank 0 writes, all exit
 * with that code, and a resume under {@code launch} matches an uninterrupted two-rank run.
 *
 * <p>The interrupted run is given far more steps than it can make before the signal, so it is still
 * running when signalled however fast the machine is; the resumed and the uninterrupted run then
 * both end {@link #MORE} steps after the step the signal stopped it at (the learning rate does not
 * depend on the step count, so this changes nothing else).
 */
class PreemptionTest {
  static final int MORE = 4;
  static final String[] ARGS = {
    "--dataset=synthetic",
    "--model=custom",
    "--depth=1",
    "--hidden=32",
    "--heads=2",
    "--patch=8",
    "--batch=8",
    "--stats-samples=64",
    "--ckpt-every=0",
    "--log-every=1",
    "--ema-decay=0.9",
    "--lr=1e-3"
  };
  static final String UNTIL_SIGNALLED = "--steps=1000000";

  @Test
  void sigtermCheckpointsAtTheNextStepAndResumesExactly(@TempDir Path dir) throws Exception {
    String[] none = {};
    checkStopAndResume(dir, none, "");
  }

  @Test
  void sigtermToTheLauncherStopsEveryRankAndTheJobResumesExactly(@TempDir Path dir)
      throws Exception {
    String out =
        checkStopAndResume(dir, new String[] {"launch", "--nproc", "2", "--"}, "[rank 0] ");
    assertTrue(
        out.contains("fasterdit launch: preempted: 2 of 2 rank(s) exited with code 75"), out);
    assertFalse(out.contains("exited with code 1"), "no rank may be reported as failed:\n" + out);
  }

  /**
   * Runs {@code prefix train ...} until SIGTERM, checks what it left, resumes it and an
   * uninterrupted run (both under {@code prefix}) to {@link #MORE} steps further, and compares
   * their weights. Returns the interrupted run's output.
   */
  static String checkStopAndResume(Path dir, String[] prefix, String rank0) throws Exception {
    Path stopped = dir.resolve("stopped"), straight = dir.resolve("straight");
    Path log = dir.resolve("stopped.log");
    Process p = ChildJvm.startCli(log, command(prefix, "--results=" + stopped, UNTIL_SIGNALLED));
    awaitLoggedSteps(stopped, 3, p, log);
    p.toHandle().destroy(); // SIGTERM to this process only, as a scheduler sends it
    assertTrue(p.waitFor(2, TimeUnit.MINUTES), "did not stop after SIGTERM");
    String out = Files.readString(log);
    assertEquals(Preemption.EXIT_CODE, p.exitValue(), out);
    long at = preemptedStep(out, rank0);
    assertTrue(at >= 3, "stopped at step " + at + " before the 3 logged ones\n" + out);
    Path run = CrashResumeTest.only(stopped);
    CrashResumeTest.checkAllCheckpointsComplete(run);
    Path saved = Checkpoint.fileFor(run.resolve("checkpoints"), at);
    assertEquals(List.of(saved), checkpoints(run), "exactly one checkpoint, at the stop");
    try (Arena a = Arena.ofConfined()) {
      assertEquals(at, Checkpoint.read(saved, a).meta().step());
    }

    // what a SIGKILL during a checkpoint write would have left: the resume removes it
    Files.write(
        run.resolve("checkpoints").resolve(".step-0000099.safetensors.12345.tmp"), new byte[7]);
    long end = at + MORE;
    Path resumedLog = dir.resolve("resumed.log");
    finish(resumedLog, command(prefix, "--resume=" + run, "--steps=" + end));
    assertEquals(
        List.of(saved, Checkpoint.fileFor(run.resolve("checkpoints"), end)), checkpoints(run));
    assertTrue(
        Files.readString(resumedLog).contains("removed 1 unfinished temp file(s)"),
        Files.readString(resumedLog));
    assertTrue(
        Files.readString(resumedLog).contains(rank0 + "resumed from " + saved + " at step " + at),
        Files.readString(resumedLog));
    finish(dir.resolve("straight.log"), command(prefix, "--results=" + straight, "--steps=" + end));
    sameWeights(CrashResumeTest.only(straight), run, end);
    return out;
  }

  static String[] command(String[] prefix, String... train) {
    return CrashResumeTest.concat(
        CrashResumeTest.concat(prefix, CrashResumeTest.concat(new String[] {"train"}, train)),
        train[0].startsWith("--resume") ? new String[0] : ARGS);
  }

  static void finish(Path log, String[] cmd) throws Exception {
    Process p = ChildJvm.startCli(log, cmd);
    assertTrue(p.waitFor(5, TimeUnit.MINUTES), "run did not finish: " + String.join(" ", cmd));
    assertEquals(0, p.exitValue(), Files.readString(log));
  }

  /** Waits until the run's metrics show {@code n} steps (the child is past start-up). */
  static void awaitLoggedSteps(Path results, int n, Process p, Path log) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (System.nanoTime() < deadline) {
      assertTrue(p.isAlive(), "the run ended before it was signalled:\n" + Files.readString(log));
      if (Files.isDirectory(results)) {
        Path metrics = CrashResumeTest.only(results).resolve("metrics.jsonl");
        if (Files.exists(metrics) && Files.readAllLines(metrics).size() >= n) return;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no progress within 3 minutes:\n" + Files.readString(log));
  }

  static long preemptedStep(String out, String rank0) {
    Matcher m =
        Pattern.compile(Pattern.quote(rank0) + "preempted \\(SIGTERM\\) at step (\\d+)")
            .matcher(out);
    assertTrue(m.find(), "no preemption message:\n" + out);
    return Long.parseLong(m.group(1));
  }

  static List<Path> checkpoints(Path run) throws Exception {
    try (Stream<Path> s = Files.list(run.resolve("checkpoints"))) {
      return s.sorted().toList();
    }
  }

  static void sameWeights(Path a, Path b, long step) {
    try (Arena arena = Arena.ofConfined()) {
      var want = Checkpoint.read(Checkpoint.fileFor(a.resolve("checkpoints"), step), arena);
      var got = Checkpoint.read(Checkpoint.fileFor(b.resolve("checkpoints"), step), arena);
      for (String group : List.of("model", "ema")) {
        assertEquals(want.group(group).keySet(), got.group(group).keySet(), group);
        for (var e : want.group(group).entrySet()) {
          assertArrayEquals(
              e.getValue().toFloatArray(),
              got.group(group).get(e.getKey()).toFloatArray(),
              group + "." + e.getKey());
        }
      }
    }
  }
}
