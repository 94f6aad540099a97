package org.fasterdit.inception;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs benchmarks/reference/inception_reference.py once per version of the script (random FID
 * Inception weights in both torch.save formats, ~91 MB each, plus the reference outputs), into
 * {@code target/inception-reference/<script hash>/}. The weights are too large to commit, so the
 * test generates them; without Debian's python3-torch and python3-torchvision the calling test is
 * skipped (CI's .ci/run installs both).
 */
final class InceptionReference {
  static final Path PYTHON = Path.of("/usr/bin/python3");
  static final Path SCRIPT = Path.of("../benchmarks/reference/inception_reference.py");

  private InceptionReference() {}

  /** The folder holding fid_inception_legacy.pth, fid_inception_zip.pth, inception_case.npz. */
  static synchronized Path folder() throws Exception {
    Assumptions.assumeTrue(Files.isRegularFile(SCRIPT), "reference script not found: " + SCRIPT);
    Assumptions.assumeTrue(Files.isExecutable(PYTHON), "no " + PYTHON);
    Assumptions.assumeTrue(
        run(PYTHON.toString(), "-c", "import torch, torchvision, numpy") == 0,
        PYTHON + " has no torch/torchvision (apt-get install python3-torch python3-torchvision)");
    String hash =
        HexFormat.of()
            .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(SCRIPT)))
            .substring(0, 16);
    Path dir = Path.of("target/inception-reference", hash);
    if (Files.isRegularFile(dir.resolve("inception_case.npz"))) return dir;
    Path tmp = Files.createTempDirectory(Files.createDirectories(dir.getParent()), hash + ".tmp");
    long start = System.nanoTime();
    int rc = run(PYTHON.toString(), SCRIPT.toString(), "--out", tmp.toString());
    if (rc != 0) throw new IllegalStateException("inception_reference.py failed (exit " + rc + ")");
    System.out.printf(
        "inception_reference.py wrote %s in %.1f s%n", dir, (System.nanoTime() - start) / 1e9);
    Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE); // all files or none
    return dir;
  }

  private static int run(String... cmd) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("OPENBLAS_NUM_THREADS", "1");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(10, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new IllegalStateException("timed out: " + String.join(" ", cmd));
    }
    if (p.exitValue() != 0 && cmd.length > 2 && !cmd[1].equals("-c")) System.out.print(out);
    return p.exitValue();
  }
}
