package org.fasterdit.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;
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

  @Test
  void exampleRunsAndSavesACheckpoint(@TempDir Path dir) {
    Path ckpt = dir.resolve("example.safetensors");
    double loss = ReadmeExample.run(ckpt);
    assertTrue(Double.isFinite(loss) && loss > 0, "loss " + loss);
    assertTrue(Files.exists(ckpt));
    assertEquals(false, Files.exists(dir.resolve("example.safetensors.tmp")));
  }
}
