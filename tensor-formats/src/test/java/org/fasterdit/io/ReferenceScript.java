package org.fasterdit.io;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs one of the team's reference scripts ({@code benchmarks/reference/*.py} on Debian's
 * python3-torch/numpy/scipy) for the tests of every module, once per version of the scripts: the
 * outputs of {@code python3 SCRIPT --out DIR} are kept in {@code target/reference/<script>/<hash>/}
 * (the hash covers the script and the scripts it imports), so a rerun reuses them and an edited
 * script regenerates them. Without the interpreter or one of its modules the calling test is
 * skipped, not failed (CI's .ci/run installs them).
 */
public final class ReferenceScript {
  public static final Path PYTHON = Path.of("/usr/bin/python3");
  public static final Path FOLDER = Path.of("../benchmarks/reference");

  private ReferenceScript() {}

  /**
   * The folder holding the script's outputs.
   *
   * @param script file name under benchmarks/reference
   * @param modules Python modules it needs (checked first, so a machine without them skips)
   * @param imported the other reference scripts it imports (their edits regenerate the outputs)
   */
  public static synchronized Path outputs(String script, List<String> modules, String... imported)
      throws IOException, InterruptedException {
    Path file = FOLDER.resolve(script);
    Assumptions.assumeTrue(Files.isRegularFile(file), "reference script not found: " + file);
    Assumptions.assumeTrue(
        Files.isExecutable(PYTHON)
            && run(false, PYTHON.toString(), "-c", "import " + String.join(", ", modules)) == 0,
        PYTHON
            + " lacks one of "
            + modules
            + " (apt-get install the python3-* packages, see .ci/run)");
    MessageDigest sha = sha256();
    sha.update(Files.readAllBytes(file));
    for (String other : imported) sha.update(Files.readAllBytes(FOLDER.resolve(other)));
    String hash = HexFormat.of().formatHex(sha.digest()).substring(0, 16);
    String name = script.replaceFirst("\\.py$", "");
    Path dir = Path.of("target", "reference", name, hash);
    if (Files.isDirectory(dir)) return dir; // moved into place whole, so present means complete
    Path tmp = Files.createTempDirectory(Files.createDirectories(dir.getParent()), hash + ".tmp");
    long start = System.nanoTime();
    int rc = run(true, PYTHON.toString(), file.toString(), "--out", tmp.toString());
    if (rc != 0) throw new IllegalStateException(script + " failed (exit " + rc + ")");
    Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE); // all files or none
    System.out.printf("%s wrote %s in %.1f s%n", script, dir, (System.nanoTime() - start) / 1e9);
    return dir;
  }

  private static int run(boolean echo, String... cmd) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    // one BLAS thread: the reference's float rounding then does not depend on the machine's cores
    pb.environment().put("OPENBLAS_NUM_THREADS", "1");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(30, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new IllegalStateException("timed out after 30 min: " + String.join(" ", cmd));
    }
    if (echo) System.out.print(out);
    return p.exitValue();
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
