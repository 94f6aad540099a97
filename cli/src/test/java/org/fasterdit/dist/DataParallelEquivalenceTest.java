package org.fasterdit.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.fasterdit.io.HostTensor;
import org.fasterdit.train.Checkpoint;
import org.fasterdit.train.ConfigResolver;
import org.fasterdit.train.GradientSync;
import org.fasterdit.train.TrainingRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The point of data parallelism: 2 processes with global batch B (B/2 each, gradients averaged over
 * Gloo) must train the same model as 1 process with batch B. Runs the real CLI path ({@code launch
 * --nproc 2 -- train}) in a child JVM and compares model, EMA and AdamW moments after 3 steps with
 * an in-process single-rank run.
 */
class DataParallelEquivalenceTest {
  static final List<String> TRAIN =
      List.of(
          "--preset=fasterdit",
          "--dataset=synthetic",
          "--model=custom",
          "--depth=2",
          "--hidden=32",
          "--heads=2",
          "--patch=8",
          "--batch=8",
          "--stats-samples=64",
          "--steps=3",
          "--lr=1e-3",
          "--ema-decay=0.9",
          "--log-every=1",
          "--ckpt-every=0",
          "--seed=3");

  @Test
  void twoRanksTrainLikeOneRankWithTheSameGlobalBatch(@TempDir Path dir) throws Exception {
    Path single = dir.resolve("single"), multi = dir.resolve("multi");
    List<String> kv = new ArrayList<>();
    for (String a : TRAIN) kv.add(a.substring(2));
    kv.add("results=" + single);
    TrainingRun.Result one;
    try (PrintStream quiet = new PrintStream(java.io.OutputStream.nullOutputStream())) {
      one = TrainingRun.run(ConfigResolver.resolve(null, kv), null, GradientSync.NONE, quiet);
    }

    List<String> args = new ArrayList<>(List.of("train"));
    args.addAll(TRAIN);
    args.add("--results=" + multi);
    String out = TwoRankLaunch.run(dir.resolve("launch.log"), args);

    // only rank 0 wrote anything: one run folder, complete
    List<Path> runs;
    try (Stream<Path> s = Files.list(multi)) {
      runs = s.toList();
    }
    assertEquals(1, runs.size(), "run folders: " + runs);
    Path run = runs.get(0);
    for (String f :
        List.of(
            "config.json", "metrics.jsonl", "loss.png", "checkpoints/step-0000003.safetensors")) {
      assertTrue(Files.isRegularFile(run.resolve(f)), "missing " + f + " in " + run);
    }
    assertTrue(out.contains("[rank 0] distributed: 2 ranks over gloo"), out);
    assertTrue(
        !out.contains("[rank 1] run folder"), "rank 1 must not create a run folder:\n" + out);

    double worst = 0;
    try (Arena arena = Arena.ofConfined()) {
      var a = Checkpoint.read(one.lastCheckpoint(), arena);
      var b = Checkpoint.read(run.resolve("checkpoints/step-0000003.safetensors"), arena);
      assertEquals(3, b.meta().step());
      assertEquals(a.meta().dataPosition(), b.meta().dataPosition());
      for (String group : List.of("model", "ema", "opt")) {
        Map<String, HostTensor> ga = a.group(group), gb = b.group(group);
        assertEquals(ga.keySet(), gb.keySet(), group);
        double groupWorst = 0;
        for (String k : ga.keySet())
          groupWorst = Math.max(groupWorst, maxAbsDiff(ga.get(k), gb.get(k)));
        System.out.printf("max |1 process - 2 processes| over %s.*: %.3e%n", group, groupWorst);
        worst = Math.max(worst, groupWorst);
      }
    }
    assertTrue(worst <= 1e-5, "2-process weights differ from 1-process weights by " + worst);

    // the logged loss is the global batch's mean on both
    double l1 = lastLoss(single), l2 = lastLoss(multi);
    assertEquals(l1, l2, 1e-5, "logged loss at step 3");
  }

  static double maxAbsDiff(HostTensor a, HostTensor b) {
    assertEquals(a.numel(), b.numel());
    double m = 0;
    for (long i = 0; i < a.numel(); i++) m = Math.max(m, Math.abs(a.getDouble(i) - b.getDouble(i)));
    return m;
  }

  static double lastLoss(Path results) throws Exception {
    Path metrics;
    try (Stream<Path> s = Files.list(results)) {
      metrics = s.findFirst().orElseThrow().resolve("metrics.jsonl");
    }
    List<String> lines = Files.readAllLines(metrics);
    return new ObjectMapper().readTree(lines.get(lines.size() - 1)).get("loss").asDouble();
  }
}
