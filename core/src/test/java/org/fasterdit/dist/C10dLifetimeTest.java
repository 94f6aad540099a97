package org.fasterdit.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training twice in one JVM over Gloo, with an explicit teardown in between (see {@link
 * C10dTwiceInOneJvm}). Runs in a child JVM: a native abort (the double free this guards against)
 * fails this test instead of killing the shared test JVM.
 */
class C10dLifetimeTest {
  @Test
  void trainsTwiceInOneJvmWithExplicitTeardown(@TempDir Path dir) throws Exception {
    Path log = dir.resolve("child.log");
    List<String> cmd =
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "--enable-native-access=ALL-UNNAMED",
            "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0",
            "-XX:ErrorFile=" + dir.resolve("hs_err_%p.log"),
            "-cp",
            System.getProperty("java.class.path"),
            C10dTwiceInOneJvm.class.getName(),
            Integer.toString(LocalLauncher.freePort() - 1));
    ProcessBuilder pb =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("OPENBLAS_NUM_THREADS", "1");
    pb.environment().put("FASTERDIT_TORCH_THREADS", "1");
    Process p = pb.start();
    assertTrue(p.waitFor(5, TimeUnit.MINUTES), "child did not finish");
    String out = Files.readString(log);
    assertEquals(0, p.exitValue(), out);
    assertTrue(out.contains("round 2: trained, closed") && out.contains("ok"), out);
  }
}
