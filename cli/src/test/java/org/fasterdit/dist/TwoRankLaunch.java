package org.fasterdit.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.fasterdit.cli.ChildJvm;

/** {@code fasterdit launch --nproc 2 -- <command>} in a child JVM, as a user runs it. */
final class TwoRankLaunch {
  private TwoRankLaunch() {}

  /** Runs it on a free port; fails unless it exits 0 within 2 minutes; returns its output. */
  static String run(Path log, List<String> command) throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "launch",
                "--nproc",
                "2",
                "--master-port",
                Integer.toString(LocalLauncher.freePort()),
                "--"));
    args.addAll(command);
    long t0 = System.nanoTime();
    Process p =
        ChildJvm.start(
            ChildJvm.command("org.fasterdit.cli.Main", args.toArray(new String[0])), Map.of(), log);
    int code = ChildJvm.waitFor(p, 120);
    String out = Files.readString(log);
    assertEquals(0, code, out);
    System.out.printf(
        "launch --nproc 2 -- %s took %.1f s%n", command.get(0), (System.nanoTime() - t0) / 1e9);
    return out;
  }
}
