package org.fasterdit.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code fasterdit env}: everything {@code --version} shows, plus the JVM, OS and threads. */
@Command(
    name = "env",
    mixinStandardHelpOptions = true,
    description =
        "Print versions, native platform, CUDA, CPU features, JVM and thread settings (for bug reports).")
public final class EnvCommand implements Callable<Integer> {
  /** {@code --version} of every command: our version, LibTorch, JavaCPP, platform, CUDA, CPU. */
  public static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return EnvironmentReport.versionLines().toArray(String[]::new);
    }
  }

  @Override
  public Integer call() {
    EnvironmentReport.envLines().forEach(System.out::println);
    return 0;
  }
}
