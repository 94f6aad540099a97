package org.fasterdit.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Starts test child JVMs the way the launcher does: this JVM's java, class path and native-access
 * flag, one thread in each native pool (several children share the cores). The one way the CLI
 * tests start a process, for ranks, kills and faults.
 */
public final class ChildJvm {
  private ChildJvm() {}

  /** {@code mainClass args} in a JVM with a 1 GiB heap (the ranks of a launch test). */
  public static List<String> command(String mainClass, String... args) {
    return java(List.of("-Xmx1g"), mainClass, args);
  }

  /**
   * The CLI with {@code args}, output appended to {@code log}; a JVM crash report lands beside it.
   */
  public static Process startCli(Path log, String... args) throws IOException {
    List<String> cmd =
        java(
            List.of("-XX:ErrorFile=" + log.resolveSibling("hs_err_%p.log")),
            "org.fasterdit.cli.Main",
            args);
    return start(cmd, Map.of(), log);
  }

  /** Starts {@code cmd} with extra variables, appending stdout and stderr merged to {@code log}. */
  public static Process start(List<String> cmd, Map<String, String> env, Path log)
      throws IOException {
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().put("OPENBLAS_NUM_THREADS", "1");
    pb.environment().put("FASTERDIT_TORCH_THREADS", "1");
    pb.environment().putAll(env);
    return pb.start();
  }

  /** Waits for exit, killing the process (and failing) after {@code seconds}. */
  public static int waitFor(Process p, long seconds) throws InterruptedException {
    if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("child process did not exit within " + seconds + " s");
    }
    return p.exitValue();
  }

  private static List<String> java(List<String> flags, String mainClass, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("--enable-native-access=ALL-UNNAMED");
    cmd.add("--add-modules=jdk.incubator.vector");
    cmd.add("-Dorg.bytedeco.javacpp.maxPhysicalBytes=0");
    cmd.addAll(flags);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(mainClass);
    cmd.addAll(List.of(args));
    return cmd;
  }
}
