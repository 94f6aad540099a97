package org.fasterdit.dist;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command that starts another JVM like this one: the same java binary, the same JVM flags
 * (native access, heap, JavaCPP settings) and the same class path, running a given main class. Used
 * by the launcher so every rank runs exactly the build the user started.
 */
public final class JvmCommand {
  private JvmCommand() {}

  public static List<String> current(String mainClass) {
    String java =
        ProcessHandle.current()
            .info()
            .command()
            .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    List<String> cmd = new ArrayList<>();
    cmd.add(java);
    boolean nativeAccess = false;
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      // a debugger agent would make every child bind the same debug port
      if (a.startsWith("-agentlib:jdwp") || a.startsWith("-Xrunjdwp")) continue;
      nativeAccess |= a.startsWith("--enable-native-access");
      cmd.add(a);
    }
    if (!nativeAccess)
      cmd.add("--enable-native-access=ALL-UNNAMED"); // JavaCPP/FFM warn loudly without it
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(mainClass);
    return cmd;
  }
}
