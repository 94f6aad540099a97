package org.fasterdit.tracking;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our event files read by TensorBoard's own Python reader. Debian has no TensorBoard package, so
 * this skips unless a Python with the {@code tensorboard} package is found: {@code
 * FASTERDIT_TENSORBOARD_PYTHON}, else {@code python3} (see docs/tracking.md for a venv).
 */
class TensorBoardPythonReadTest {
  @Test
  void tensorBoardReadsScalarsAndImages(@TempDir Path dir) throws Exception {
    String python = pythonWithTensorBoard();
    assumeTrue(python != null, "no Python with the tensorboard package; skipped");
    try (TensorBoardEvents tb = TensorBoardEvents.create(dir)) {
      for (int step = 10; step <= 30; step += 10) {
        Map<String, Double> s = new LinkedHashMap<>();
        s.put("loss", 1.0 / step);
        s.put("loss/direction", 0.5);
        tb.scalars(step, s);
      }
      tb.image(30, "samples", new BufferedImage(8, 5, BufferedImage.TYPE_INT_RGB));
    }
    Path script = Path.of("src/test/resources/tracking/read_tfevents.py").toAbsolutePath();
    Process p =
        new ProcessBuilder(python, script.toString(), dir.toString())
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(true, p.waitFor(120, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), out);
    JsonNode read = new ObjectMapper().readTree(out);
    JsonNode loss = read.get("scalars").get("loss");
    assertEquals(3, loss.size());
    assertEquals(20, loss.get(1).get(0).asInt());
    assertEquals(0.05f, (float) loss.get(1).get(1).asDouble());
    assertEquals(0.5, read.get("scalars").get("loss/direction").get(2).get(1).asDouble());
    JsonNode img = read.get("images").get("samples").get(0);
    assertEquals(
        List.of(30, 8, 5), List.of(img.get(0).asInt(), img.get(1).asInt(), img.get(2).asInt()));
  }

  static String pythonWithTensorBoard() {
    String env = System.getenv("FASTERDIT_TENSORBOARD_PYTHON");
    for (String candidate : env != null ? List.of(env) : List.of("python3", "/usr/bin/python3")) {
      try {
        Process p =
            new ProcessBuilder(candidate, "-c", "import tensorboard")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        if (p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0) return candidate;
      } catch (Exception e) {
        // not installed here
      }
    }
    return null;
  }
}
