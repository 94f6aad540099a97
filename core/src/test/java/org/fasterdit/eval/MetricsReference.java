package org.fasterdit.eval;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs benchmarks/reference/metrics_reference.py (numpy/scipy, ADM's metric definitions) once per
 * version of the script into {@code target/metrics-reference/<script hash>/}; skips the calling
 * test where Debian's python3-numpy/python3-scipy are missing (CI's .ci/run installs them).
 */
final class MetricsReference {
  static final Path PYTHON = Path.of("/usr/bin/python3");
  static final Path SCRIPT = Path.of("../benchmarks/reference/metrics_reference.py");

  private MetricsReference() {}

  /** metrics_case.npz: the random feature sets and the reference metrics of them. */
  static synchronized Path caseFile() throws Exception {
    Assumptions.assumeTrue(Files.isRegularFile(SCRIPT), "reference script not found: " + SCRIPT);
    Assumptions.assumeTrue(
        Files.isExecutable(PYTHON) && run(PYTHON.toString(), "-c", "import numpy, scipy") == 0,
        PYTHON + " has no numpy/scipy (apt-get install python3-numpy python3-scipy)");
    String hash =
        HexFormat.of()
            .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(SCRIPT)))
            .substring(0, 16);
    Path dir = Path.of("target/metrics-reference", hash);
    Path file = dir.resolve("metrics_case.npz");
    if (Files.isRegularFile(file)) return file;
    Path tmp = Files.createTempDirectory(Files.createDirectories(dir.getParent()), hash + ".tmp");
    int rc = run(PYTHON.toString(), SCRIPT.toString(), "--out", tmp.toString());
    if (rc != 0) throw new IllegalStateException("metrics_reference.py failed (exit " + rc + ")");
    Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE); // all files or none
    return file;
  }

  private static int run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(20, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new IllegalStateException("timed out: " + String.join(" ", cmd));
    }
    System.out.print(out);
    return p.exitValue();
  }
}
