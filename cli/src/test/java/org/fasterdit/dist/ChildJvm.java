package org.fasterdit.dist;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Starts test child JVMs the way the launcher does: this JVM's java, class path and native-access
 * flag.
 */
final class ChildJvm {
  private ChildJvm() {}

  static List<String> command(String mainClass, String... args) {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED",
                "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0",
                "-Xmx1g",
                "-cp",
                System.getProperty("java.class.path"),
                mainClass));
    cmd.addAll(List.of(args));
    return cmd;
  }

  /** Starts {@code cmd} with extra variables, output to {@code log} (stdout and stderr merged). */
  static Process start(List<String> cmd, Map<String, String> env, Path log) throws IOException {
    ProcessBuilder pb =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("OPENBLAS_NUM_THREADS", "1");
    pb.environment().put("FASTERDIT_TORCH_THREADS", "1");
    pb.environment().putAll(env);
    return pb.start();
  }

  /** Waits for exit, killing the process (and failing) after {@code seconds}. */
  static int waitFor(Process p, long seconds) throws InterruptedException {
    if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("child process did not exit within " + seconds + " s");
    }
    return p.exitValue();
  }
}
