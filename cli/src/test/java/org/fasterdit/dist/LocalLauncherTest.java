package org.fasterdit.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.fasterdit.cli.ChildJvm;
import org.junit.jupiter.api.Test;

/**
 * The launcher's contract, with cheap fake ranks: torchrun variables, prefixed output, fail-fast on
 * a failed rank.
 */
class LocalLauncherTest {
  @Test
  void givesEachRankItsVariablesAndPrefixesOutput() throws Exception {
    var out = new ByteArrayOutputStream();
    var err = new ByteArrayOutputStream();
    var spec = new LocalLauncher.Spec(2, 2, 1, "127.0.0.1", 29533, 1);
    int code =
        new LocalLauncher(
                spec,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8))
            .run(ChildJvm.command(FakeRank.class.getName(), "env"));
    String text = out.toString(StandardCharsets.UTF_8);
    assertEquals(0, code, text + err);
    // node 1 of 2 with 2 processes each: global ranks 2 and 3
    assertTrue(
        text.contains(
            "[rank 2] RANK=2 WORLD_SIZE=4 LOCAL_RANK=0 MASTER_ADDR=127.0.0.1 MASTER_PORT=29533 OPENBLAS_NUM_THREADS=1"),
        text);
    assertTrue(
        text.contains(
            "[rank 3] RANK=3 WORLD_SIZE=4 LOCAL_RANK=1 MASTER_ADDR=127.0.0.1 MASTER_PORT=29533"),
        text);
  }

  @Test
  void stopsTheOthersWhenOneRankFails() throws Exception {
    var out = new ByteArrayOutputStream();
    var err = new ByteArrayOutputStream();
    long t0 = System.nanoTime();
    int code =
        new LocalLauncher(
                new LocalLauncher.Spec(2, 1, 0, "127.0.0.1", 0, 1),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8))
            .run(ChildJvm.command(FakeRank.class.getName(), "fail-rank1"));
    double seconds = (System.nanoTime() - t0) / 1e9;
    String e = err.toString(StandardCharsets.UTF_8);
    assertEquals(7, code, e);
    assertTrue(e.contains("[rank 1] rank 1 failing on purpose"), e);
    assertTrue(
        e.contains(
            "fasterdit launch: rank 1 exited with code 7; stopping the other 1 running rank(s)"),
        e);
    assertTrue(seconds < 20, "rank 0 (sleeping 60 s) was not stopped promptly: " + seconds + " s");
  }

  @Test
  void refusesAMultiNodeJobWithoutAnAgreedPort() {
    var ex =
        org.junit.jupiter.api.Assertions.assertThrows(
            IllegalArgumentException.class,
            () -> new LocalLauncher.Spec(2, 2, 0, "10.0.0.1", 0, 0));
    assertTrue(ex.getMessage().contains("--master-port"), ex.getMessage());
  }
}
