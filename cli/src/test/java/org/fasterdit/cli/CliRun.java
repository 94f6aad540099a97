package org.fasterdit.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Runs the command line in this JVM for a test, capturing what it prints: the one way the CLI tests
 * call {@link Main#run}. What was captured is echoed afterwards, so a failing test's log shows it.
 */
public record CliRun(int code, String out, String err) {
  public static CliRun of(String... args) {
    PrintStream oldOut = System.out, oldErr = System.err;
    ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
    System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
    int code;
    try {
      code = Main.run(args);
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
    CliRun r =
        new CliRun(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    System.out.print(r.out);
    System.err.print(r.err);
    return r;
  }

  /** The value of the {@code name=<number>} line the command printed on stdout. */
  public double metric(String name) {
    for (String line : out.split("\n")) {
      if (line.startsWith(name + "=")) return Double.parseDouble(line.substring(name.length() + 1));
    }
    throw new AssertionError("no " + name + "= line in\n" + out + err);
  }

  /** Runs the command and fails the test, showing its output, unless it exits 0. */
  public static CliRun ok(String... args) {
    CliRun r = of(args);
    if (r.code != 0)
      throw new AssertionError(
          "exit " + r.code + " from " + String.join(" ", args) + "\n" + r.out + r.err);
    return r;
  }
}
