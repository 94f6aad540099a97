package org.fasterdit.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StudyPlanTest {
  @Test
  void defaultStudyHasTheIssuesArmsAndSeeds(@TempDir Path dir) {
    StudyPlan p = StudyPlan.loadOrCreate(dir, Map.of());
    assertEquals(
        List.of("dit", "sit", "sit-lognorm", "sit-lognorm-std", "fasterdit"),
        p.arms().stream().map(StudyPlan.Arm::name).toList().subList(0, 5));
    assertEquals(8, p.runs().stream().filter(r -> !r.arm().name().contains("fasterdit-")).count());
    assertEquals("lognorm:0,1.5", p.arms().get(7).get("timesteps"));
    assertEquals(6, p.checkpoints().size());
    assertEquals(2000, p.samples());
    assertEquals("lognorm:0,1", p.arms().get(2).get("timesteps"));
    assertEquals("dit-s1", p.runs().get(1).id());
    // run by run: the main arms' first seeds, their second seeds, then the single-seed arms
    assertEquals(
        List.of(
            "dit-s0",
            "sit-s0",
            "fasterdit-s0",
            "dit-s1",
            "sit-s1",
            "fasterdit-s1",
            "sit-lognorm-s0",
            "sit-lognorm-std-s0",
            "fasterdit-std0.8-s0"),
        p.trainingOrder().stream().map(StudyPlan.Run::id).toList().subList(0, 9));
    assertEquals(p.runs().size(), p.trainingOrder().size());
    // a second load reads the same study back
    assertEquals(p, StudyPlan.loadOrCreate(dir, Map.of()));
  }

  @Test
  void settingsAreFixedOnceTheStudyExistsAndArmsCanBeAppended(@TempDir Path dir) throws Exception {
    StudyPlan.loadOrCreate(dir, Map.of("checkpoints", "10,20", "samples", "50"));
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> StudyPlan.loadOrCreate(dir, Map.of("samples", "60")));
    assertTrue(e.getMessage().contains("already has samples=50"), e.getMessage());
    assertEquals(50, StudyPlan.loadOrCreate(dir, Map.of("samples", "50")).samples());
    Files.writeString(
        dir.resolve(StudyPlan.ARMS),
        "fasterdit-std0.7 0 preset=fasterdit;target-std=0.7\n",
        java.nio.file.StandardOpenOption.APPEND);
    StudyPlan p = StudyPlan.load(dir);
    assertEquals("0.7", p.arms().get(p.arms().size() - 1).get("target-std"));
  }

  @Test
  void badStudyFilesAreRefusedByName(@TempDir Path dir) throws Exception {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> StudyPlan.loadOrCreate(dir, Map.of("sampels", "5")));
    assertTrue(e.getMessage().contains("unknown study setting 'sampels'"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> StudyPlan.loadOrCreate(dir.resolve("a"), Map.of("nfe", "24")));
    assertTrue(e.getMessage().contains("nfe must be odd"), e.getMessage());
    StudyPlan.loadOrCreate(dir.resolve("b"), Map.of());
    Files.writeString(dir.resolve("b").resolve(StudyPlan.ARMS), "dit 0\n");
    e = assertThrows(IllegalArgumentException.class, () -> StudyPlan.load(dir.resolve("b")));
    assertTrue(e.getMessage().contains("line 1: expected NAME SEEDS KEY=VALUE"), e.getMessage());
  }
}
