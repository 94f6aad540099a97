package org.fasterdit.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * time-limit: durations parse with their units, a run past its budget stops at a step boundary with
 * a checkpoint of that step (not an error), and --resume continues it to steps.
 */
class TimeLimitTest {
  @Test
  void durationsParseAndBadOnesAreRefusedByName() {
    assertEquals(450.0, limit("7.5m"));
    assertEquals(90.0, limit("90s"));
    assertEquals(7200.0, limit("2h"));
    assertEquals(30.0, limit("30"));
    assertEquals(0.0, ResumeTest.config("fasterdit").run().timeLimitS(), "default: none");
    for (String bad : List.of("soon", "-5m", "m", "NaN")) {
      var e = assertThrows(IllegalArgumentException.class, () -> limit(bad));
      assertTrue(e.getMessage().contains("'time-limit' must be a duration"), e.getMessage());
    }
  }

  private static double limit(String v) {
    return ResumeTest.config("fasterdit", "time-limit=" + v).run().timeLimitS();
  }

  @Test
  void aRunPastItsBudgetStopsWithACheckpointThatResumes(@TempDir Path dir) {
    String results = "results=" + dir;
    TrainConfig cfg = ResumeTest.config("fasterdit", "steps=1000000", "time-limit=0.5s", results);
    var out = new ByteArrayOutputStream();
    TrainingRun.Result r =
        TrainingRun.run(
            cfg, null, GradientSync.NONE, new PrintStream(out, true, StandardCharsets.UTF_8));
    assertTrue(r.timeLimitReached());
    assertFalse(r.preempted());
    assertTrue(r.steps() >= 1 && r.steps() < 1000000, "stopped at step " + r.steps());
    assertTrue(Files.isRegularFile(r.lastCheckpoint()));
    assertEquals(
        Checkpoint.fileFor(r.runDir().resolve("checkpoints"), r.steps()), r.lastCheckpoint());
    String log = out.toString(StandardCharsets.UTF_8);
    assertTrue(log.contains("time limit 0.5s reached at step " + r.steps()), log);

    TrainConfig rest = ResumeTest.config("fasterdit", "steps=" + (r.steps() + 2), results);
    TrainingRun.Result done =
        TrainingRun.run(
            rest, r.runDir(), GradientSync.NONE, new PrintStream(new ByteArrayOutputStream()));
    assertEquals(r.steps() + 2, done.steps());
    assertFalse(done.timeLimitReached());
  }
}
