package org.fasterdit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.fasterdit.io.Npy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sample} on checkpoints in the public DiT/SiT layouts states its objective guess. */
class PublicCheckpointCliTest {
  static final Path PUBLIC = Path.of("../core/src/test/resources/public");

  static String run(String... args) {
    return CliRun.ok(args).out();
  }

  @Test
  void ditAndSitCheckpointsSample(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("dit.npy");
    String log =
        run(
            "sample",
            "--checkpoint",
            PUBLIC.resolve("DiT-tiny.pt").toString(),
            "--heads",
            "2",
            "--num",
            "3",
            "--sampler",
            "ddim",
            "--steps",
            "4",
            "--device",
            "cpu",
            "--out",
            out.toString());
    assertTrue(log.contains("objective ddpm") && log.contains("DiT training args"), log);
    assertEquals(3 * 4 * 8 * 8, Npy.read(out).toFloatArray().length);
    Path sit = dir.resolve("sit.npy");
    log =
        run(
            "sample",
            "--checkpoint",
            PUBLIC.resolve("SiT-tiny.pt").toString(),
            "--heads",
            "2",
            "--num",
            "2",
            "--steps",
            "3",
            "--device",
            "cpu",
            "--out",
            sit.toString());
    assertTrue(log.contains("objective flow (path=linear, prediction=velocity)"), log);
    assertTrue(Files.size(sit) > 0);
  }
}
