package org.fasterdit.robust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.fasterdit.cli.ChildJvm;
import org.fasterdit.train.Checkpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad environments give one clear error line and leave existing checkpoints intact. */
class BadEnvironmentTest {
  static final String[] TINY = {
    "--dataset=synthetic",
    "--model=custom",
    "--depth=4",
    "--hidden=64",
    "--heads=2",
    "--patch=8",
    "--batch=4",
    "--stats-samples=32",
    "--log-every=1"
  };

  static int cli(Path log, String... args) throws Exception {
    Process p = ChildJvm.startCli(log, args);
    assertTrue(p.waitFor(3, TimeUnit.MINUTES));
    return p.exitValue();
  }

  @Test
  void fullDiskKeepsTheLastCheckpoint(@TempDir Path dir) throws Exception {
    Path results = dir.resolve("results");
    List<String> args =
        new ArrayList<>(List.of("train", "--results=" + results, "--steps=2", "--ckpt-every=1"));
    args.addAll(List.of(TINY));
    assertEquals(
        0,
        cli(dir.resolve("first.log"), args.toArray(String[]::new)),
        Files.readString(dir.resolve("first.log")));
    Path run;
    try (Stream<Path> s = Files.list(results)) {
      run = s.findFirst().orElseThrow();
    }
    Path good = Checkpoint.fileFor(run.resolve("checkpoints"), 2);
    byte[] before = Files.readAllBytes(good);
    // A file size limit (ulimit -f, in 1 KiB blocks) smaller than a checkpoint stands in for a full
    // disk:
    // writes past it fail with EFBIG ("File too large"), as they would with ENOSPC.
    long limitKb = before.length / 1024 / 2;
    Path log = dir.resolve("full.log");
    List<String> cmd =
        new ArrayList<>(List.of("bash", "-c", "ulimit -f " + limitKb + "; exec \"$0\" \"$@\""));
    cmd.addAll(ChildJvm.command("org.fasterdit.cli.Main", "train", "--resume=" + run, "--steps=4"));
    Process p = ChildJvm.start(cmd, Map.of(), log);
    assertTrue(p.waitFor(3, TimeUnit.MINUTES));
    String out = Files.readString(log);
    assertNotEquals(0, p.exitValue(), out);
    assertTrue(out.contains("error:") && out.contains("File too large"), out);
    assertTrue(Arrays.equals(before, Files.readAllBytes(good)), "the step-2 checkpoint changed");
    try (Arena a = Arena.ofConfined()) {
      assertEquals(2, Checkpoint.read(good, a).meta().step());
    }
    try (Stream<Path> s = Files.list(run.resolve("checkpoints"))) {
      assertEquals(
          List.of("step-0000001.safetensors", "step-0000002.safetensors"),
          s.map(f -> f.getFileName().toString()).sorted().toList(),
          "no partial or temporary checkpoint may be left behind");
    }
  }

  @Test
  void unwritableResultsAndMissingDataAreNamed(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("a-file");
    Files.writeString(file, "not a folder");
    Path log = dir.resolve("a.log");
    List<String> args =
        new ArrayList<>(List.of("train", "--results=" + file.resolve("sub"), "--steps=1"));
    args.addAll(List.of(TINY));
    assertEquals(1, cli(log, args.toArray(String[]::new)));
    assertTrue(
        Files.readString(log).contains("cannot create results folder " + file.resolve("sub")),
        Files.readString(log));
    log = dir.resolve("b.log");
    assertEquals(1, cli(log, "train", "--dataset=folder:" + dir.resolve("nowhere"), "--steps=1"));
    assertTrue(
        Files.readString(log).contains("cannot list image folder " + dir.resolve("nowhere")),
        Files.readString(log));
    log = dir.resolve("c.log");
    assertEquals(2, cli(log, "train", "--bacth=3")); // a usage error (exit code 2)
    assertTrue(Files.readString(log).contains("unknown config key 'bacth'"), Files.readString(log));
  }
}
