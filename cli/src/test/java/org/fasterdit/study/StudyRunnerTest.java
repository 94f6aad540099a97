package org.fasterdit.study;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.fasterdit.eval.Classifier;
import org.fasterdit.eval.FeatureNet;
import org.fasterdit.torch.Devices;
import org.fasterdit.train.Checkpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tiny study end to end on synthetic data: every run trained and evaluated at every stage; a
 * second invocation does nothing; a study cut short resumes to the same checkpoint and the same FD.
 */
class StudyRunnerTest {
  static StudyPlan tinyStudy(Path dir) throws Exception {
    Files.createDirectories(dir);
    Files.writeString(
        dir.resolve(StudyPlan.ARMS), "dit 0 preset=dit\nfasterdit 0,1 preset=fasterdit\n");
    return StudyPlan.loadOrCreate(
        dir,
        Map.of(
            "train",
            "dataset=synthetic;model=custom;depth=1;hidden=32;heads=2;patch=8;batch=8;"
                + "stats-samples=64;log-every=1;lr=1e-3",
            "checkpoints",
            "2,4",
            "samples",
            "16",
            "nfe",
            "3",
            "reference",
            "64",
            "safety-every",
            "1"));
  }

  static Path classifier(Path dir) {
    Path f = dir.resolve("classifier.safetensors");
    try (FeatureNet net = new FeatureNet(1, 5, Devices.resolve("cpu"), 7)) {
      Classifier.save(net, f, "synthetic", 0); // random features: enough to measure a distance
    }
    return f;
  }

  static Ledger run(StudyPlan plan, Path cls) {
    try (StudyRunner r = new StudyRunner(plan, cls, new PrintStream(new ByteArrayOutputStream()))) {
      r.run(() -> {});
      return r.ledger();
    }
  }

  @Test
  void trainsEvaluatesAndResumes(@TempDir Path dir) throws Exception {
    StudyPlan plan = tinyStudy(dir.resolve("study"));
    Path cls = classifier(dir);
    Ledger first = run(plan, cls);
    assertEquals(3 * 2, first.training().size(), "3 runs x 2 stages");
    assertEquals(3 * 2 * 2, first.evals().size(), "3 runs x 2 stages x 2 samplers");
    assertEquals(
        List.of("ddim", "ddpm", "euler", "heun"),
        first.evals().stream().map(Ledger.Eval::sampler).distinct().sorted().toList());
    for (Ledger.Eval e : first.evals()) {
      assertTrue(Double.isFinite(e.fd()) && e.fd() >= 0, e.toString());
      assertEquals(e.sampler().equals("heun") ? 2 : 3, e.samplerSteps(), e.toString());
    }
    StudyPlan.Run fast1 = plan.runs().get(2);
    assertEquals("fasterdit-s1", fast1.id());
    StudyRunner probe = new StudyRunner(plan, cls, System.out);
    Path ckDir = probe.runDir(fast1).resolve("checkpoints");
    // the safety checkpoints between stages are gone, the stage checkpoints stay
    assertFalse(Files.exists(Checkpoint.fileFor(ckDir, 1)));
    assertFalse(Files.exists(Checkpoint.fileFor(ckDir, 3)));
    byte[] want = Files.readAllBytes(Checkpoint.fileFor(ckDir, 4));

    // a report with no complete run yet (the first evaluation of a new study) lists it, compares
    // nothing
    Path early = dir.resolve("early");
    Files.createDirectories(early);
    Files.write(
        early.resolve("evals.csv"),
        Files.readAllLines(dir.resolve("study/evals.csv")).subList(0, 2));
    String earlyMd =
        new StudyReport(
                plan, new Ledger(early), probe.classifierId(), r -> probe.config(r, 4), 0.53)
            .markdown("fd.png");
    assertTrue(earlyMd.contains("**0 of 3 runs complete**"), earlyMd);
    assertTrue(
        earlyMd.contains("In progress (not compared): fasterdit-s0 (evaluated up to step 2)"),
        earlyMd);

    // the report: table, sampler choice, speed-ups vs dit, time, SNR reading; and the plot
    StudyReport report =
        new StudyReport(plan, first, probe.classifierId(), r -> probe.config(r, 4), 0.53);
    String md = report.markdown("fd.png");
    for (String want2 :
        List.of(
            "| 4 |", "fasterdit (", "| fasterdit | dit |", "Goal vs dit", "| dit | ddpm-linear |"))
      assertTrue(md.contains(want2), "report lacks '" + want2 + "':\n" + md);
    report.writePlot(dir.resolve("fd.png"));
    assertTrue(Files.size(dir.resolve("fd.png")) > 1000);

    // nothing left to do: a second invocation adds nothing
    Ledger again = run(plan, cls);
    assertEquals(first.evals(), again.evals());
    assertEquals(first.training(), again.training());

    // cut short: the last stage of fasterdit-s1 lost its checkpoint, samples and evaluations
    Files.delete(Checkpoint.fileFor(ckDir, 4));
    for (String s : List.of("euler", "heun")) Files.delete(probe.samplesFile(fast1, 4, s));
    List<String> kept =
        Files.readAllLines(dir.resolve("study/evals.csv")).stream()
            .filter(l -> !(l.startsWith("fasterdit-s1,") && l.split(",")[3].equals("4")))
            .toList();
    Files.write(dir.resolve("study/evals.csv"), kept);
    // the report compares only complete runs and lists the cut-short one apart
    String partialMd =
        new StudyReport(
                plan,
                new Ledger(dir.resolve("study")),
                probe.classifierId(),
                r -> probe.config(r, 4),
                0.53)
            .markdown("fd.png");
    for (String want2 :
        List.of(
            "**2 of 3 runs complete**",
            "In progress (not compared): fasterdit-s1 (evaluated up to step 2)",
            "fasterdit (",
            "1 of 2 seeds)",
            "| fasterdit-s1 | 2 | euler |"))
      assertTrue(partialMd.contains(want2), "report lacks '" + want2 + "':\n" + partialMd);
    // fasterdit's step-4 cell is fasterdit-s0's FD alone, no seed mean with the unfinished run
    String row = partialMd.lines().filter(l -> l.startsWith("| 4 |")).findFirst().orElseThrow();
    String cell = row.split("\\|")[3].strip();
    List<String> s0 =
        List.of("euler", "heun").stream()
            .map(
                sm ->
                    String.format(
                        java.util.Locale.ROOT,
                        "%.2f",
                        first.find("fasterdit-s0", 4, sm, 3, 16, probe.classifierId()).fd()))
            .toList();
    assertTrue(s0.contains(cell), row + " vs fasterdit-s0 " + s0);
    Ledger resumed = run(plan, cls);
    assertEquals(first.training().size() + 1, resumed.training().size());
    Ledger.Training t = resumed.training().get(resumed.training().size() - 1);
    assertEquals(2, t.from());
    assertEquals(4, t.to());
    assertArrayEquals(
        want, Files.readAllBytes(Checkpoint.fileFor(ckDir, 4)), "resumed to the same checkpoint");
    for (String s : List.of("euler", "heun")) {
      double before = first.find("fasterdit-s1", 4, s, 3, 16, probe.classifierId()).fd();
      assertEquals(
          before, resumed.find("fasterdit-s1", 4, s, 3, 16, probe.classifierId()).fd(), 1e-4);
    }

    // a new session: only the committed files survive (no runs/, no samples/), and the session
    // before ended while fasterdit-s1 was between its two checkpoints
    deleteTree(dir.resolve("study/runs"));
    deleteTree(dir.resolve("study/samples"));
    Files.write(dir.resolve("study/evals.csv"), kept);
    Ledger next = run(plan, cls);
    List<Ledger.Training> added =
        next.training().subList(resumed.training().size(), next.training().size());
    assertEquals(1, added.size(), "only the unfinished run is trained again: " + added);
    assertEquals("fasterdit-s1", added.get(0).run());
    assertEquals(0, added.get(0).from());
    assertEquals(4, added.get(0).to());
    assertArrayEquals(
        want,
        Files.readAllBytes(Checkpoint.fileFor(probe.runDir(fast1).resolve("checkpoints"), 4)),
        "retrained from step 0 to the same checkpoint");
    assertEquals(resumed.evals().size(), next.evals().size());
    probe.close();
  }

  private static void deleteTree(Path root) throws java.io.IOException {
    try (var s = Files.walk(root)) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
    }
  }
}
