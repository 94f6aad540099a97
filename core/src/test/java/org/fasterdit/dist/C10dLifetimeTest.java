package org.fasterdit.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training three times in one JVM over Gloo on one port, with a failed rendezvous in between and an
 * explicit teardown after each (see {@link C10dTwiceInOneJvm}): the port and every socket are given
 * back each time. Runs in a child JVM, with glibc's heap checks on where the system has them, so a
 * double or early free (the store deleted while its group lives) aborts the child and fails this
 * test instead of killing the shared test JVM.
 */
class C10dLifetimeTest {
  @Test
  void trainsRepeatedlyOnOnePortWithExplicitTeardown(@TempDir Path dir) throws Exception {
    Path log = dir.resolve("child.log");
    List<String> cmd =
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "--enable-native-access=ALL-UNNAMED",
            "--add-modules=jdk.incubator.vector",
            "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0",
            "-XX:ErrorFile=" + dir.resolve("hs_err_%p.log"),
            "-cp",
            System.getProperty("java.class.path"),
            C10dTwiceInOneJvm.class.getName(),
            Integer.toString(LocalLauncher.freePort()));
    ProcessBuilder pb =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("OPENBLAS_NUM_THREADS", "1");
    pb.environment().put("FASTERDIT_TORCH_THREADS", "1");
    Path mallocDebug = glibcMallocDebug();
    if (mallocDebug != null) {
      pb.environment().put("LD_PRELOAD", mallocDebug.toString());
      pb.environment().put("GLIBC_TUNABLES", "glibc.malloc.check=3");
    }
    Process p = pb.start();
    assertTrue(p.waitFor(5, TimeUnit.MINUTES), "child did not finish");
    String out = Files.readString(log);
    assertEquals(0, p.exitValue(), out);
    assertTrue(out.contains("failed join: rank 0 of 2: not all 2 ranks joined"), out);
    assertTrue(out.contains("round 3: trained, closed") && out.contains("ok"), out);
    System.out.println(
        "C10dLifetimeTest: 3 jobs and a failed join on one port, heap checks "
            + (mallocDebug == null ? "unavailable" : "on (" + mallocDebug + ")"));
  }

  /** glibc's debugging malloc (Debian's libc6 ships it), or null. */
  static Path glibcMallocDebug() throws Exception {
    for (String dir : List.of("/usr/lib", "/lib", "/usr/lib64")) {
      Path d = Path.of(dir);
      if (!Files.isDirectory(d)) continue;
      try (Stream<Path> s = Files.walk(d, 2)) {
        var found =
            s.filter(f -> f.getFileName().toString().equals("libc_malloc_debug.so.0")).findFirst();
        if (found.isPresent()) return found.get();
      }
    }
    return null;
  }
}
