package org.fasterdit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code fasterdit vae parity} on the model module's Python-written fixtures, one case per file
 * layout (the model tests run every layout and dtype); the exit code follows --tol.
 */
class VaeParityCommandTest {
  static final Path DIR = Path.of("../model/src/test/resources/vae");

  private record Run(int code, String out) {}

  private static Run run(String... args) {
    PrintStream old = System.out;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try (PrintStream capture = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
      System.setOut(capture);
      int code = Main.run(args);
      return new Run(code, buf.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(old);
    }
  }

  private static double lastError(String out) {
    String[] lines = out.strip().split("\n");
    String last = lines[lines.length - 1];
    assertTrue(last.startsWith("max_abs_err="), out);
    return Double.parseDouble(last.substring("max_abs_err=".length()));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "diffusers_new_fp16, sd_float16.npz",
    "diffusers_old_fp32, sd_float32.npz",
    "ldm_prefixed_fp32.ckpt, sd32_float32.npz",
    "ldm_fp16.safetensors, sd32_float16.npz"
  })
  void passesWithinTheDefaultTolerance(String vae, String npz) {
    Run r =
        run(
            "vae",
            "parity",
            "--vae",
            DIR.resolve(vae).toString(),
            "--case",
            DIR.resolve(npz).toString());
    assertEquals(0, r.code(), r.out());
    double err = lastError(r.out());
    assertTrue(err > 0 && err <= 1e-4, r.out());
    for (String output : new String[] {"mean", "logvar", "recon", "dec_z"})
      assertTrue(r.out().contains(output), r.out());
  }

  @Test
  void exitsNonZeroAboveTheTolerance() {
    Run r =
        run(
            "vae",
            "parity",
            "--vae",
            DIR.resolve("diffusers_new_fp32").toString(),
            "--case",
            DIR.resolve("sd_float32.npz").toString(),
            "--tol",
            "1e-9");
    assertEquals(3, r.code(), r.out());
    assertTrue(lastError(r.out()) > 1e-9, r.out());
  }

  @Test
  void weightsForAnotherCaseFail() {
    // the same network with its weights rounded to fp16: close, but not within 1e-4 of the fp32
    // case
    Run r =
        run(
            "vae",
            "parity",
            "--vae",
            DIR.resolve("ldm_fp32.safetensors").toString(),
            "--case",
            DIR.resolve("sd32_float16.npz").toString());
    assertEquals(3, r.code(), r.out());
  }
}
