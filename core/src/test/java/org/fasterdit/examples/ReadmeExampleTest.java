package org.fasterdit.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.fasterdit.io.HostTensor;
import org.fasterdit.model.DiTConfig;
import org.fasterdit.train.Checkpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's library example is this module's ReadmeExample, compiled and run here. */
class ReadmeExampleTest {
  @Test
  void readmeShowsTheCompiledExample() throws Exception {
    String readme = Files.readString(Path.of("../README.md"));
    String source =
        Files.readString(Path.of("src/test/java/org/fasterdit/examples/ReadmeExample.java"));
    String body =
        source.substring(
            source.indexOf("// README:begin") + 15, source.indexOf("    // README:end"));
    String expected =
        Arrays.stream(body.split("\n"))
            .filter(l -> !l.isBlank())
            .map(l -> l.startsWith("    ") ? l.substring(4) : l)
            .collect(Collectors.joining("\n"));
    assertTrue(
        readme.contains(expected),
        "README.md must contain the ReadmeExample body verbatim:\n" + expected);
  }

  /**
   * The example's checkpoint is complete: it reads back as a training checkpoint at step 5 with the
   * example's model, finite weights in every group, and nothing but that file is left in the folder
   * (no temp file of the atomic write).
   */
  @Test
  void exampleRunsAndSavesACheckpoint(@TempDir Path dir) throws Exception {
    Path ckpt = dir.resolve("example.safetensors");
    double loss = ReadmeExample.run(ckpt);
    assertTrue(Double.isFinite(loss) && loss > 0, "loss " + loss);
    try (Arena arena = Arena.ofConfined()) {
      Checkpoint.Loaded c = Checkpoint.read(ckpt, arena);
      assertEquals(5, c.meta().step());
      assertEquals(new DiTConfig(2, 64, 4, 4, 32, 1, 10, false), c.meta().model());
      for (String group : List.of("model", "ema")) {
        Map<String, HostTensor> g = c.group(group);
        float[] w = g.get("final_layer.linear.weight").toFloatArray();
        assertTrue(w.length > 0, group);
        for (float v : w) assertTrue(Float.isFinite(v), group + " has a non-finite weight");
      }
    }
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(List.of(ckpt), files.toList(), "only the checkpoint is left in the folder");
    }
  }
}
