package org.fasterdit.robust;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.fasterdit.train.ConfigResolver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutated config files are either accepted or refused with IllegalArgumentException: never another
 * exception.
 */
class ConfigFileFuzzTest {
  static final String SEED_JSON =
      "{\"preset\": \"fasterdit\", \"batch\": 32, \"lr\": 2e-4, \"timesteps\": \"lognorm:0,1\", "
          + "\"model\": \"DiT-S/2\", \"ema-decay\": 0.9999, \"flip\": true}";
  static final String SEED_PROPS = "preset=sit\nbatch=16\npath=cosine\nsteps=100\n";

  @Test
  void mutationsFailCleanly(@TempDir Path dir) throws Exception {
    int n = Integer.getInteger("fasterdit.fuzz", 300), accepted = 0, refused = 0;
    SplittableRandom r = new SplittableRandom(7);
    Path f = dir.resolve("c.cfg");
    for (int i = 0; i < n; i++) {
      byte[] b = (i % 2 == 0 ? SEED_JSON : SEED_PROPS).getBytes(StandardCharsets.UTF_8);
      int edits = 1 + r.nextInt(4);
      for (int e = 0; e < edits; e++) {
        switch (r.nextInt(3)) {
          case 0 -> b[r.nextInt(b.length)] = (byte) r.nextInt(256); // byte flip
          case 1 -> b = java.util.Arrays.copyOf(b, r.nextInt(b.length + 1)); // truncation
          default -> { // duplicate a span
            if (b.length == 0) break;
            int at = r.nextInt(b.length), len = Math.min(b.length - at, 1 + r.nextInt(20));
            byte[] c = new byte[b.length + len];
            System.arraycopy(b, 0, c, 0, at + len);
            System.arraycopy(b, at, c, at + len, b.length - at);
            b = c;
          }
        }
        if (b.length == 0) break;
      }
      Files.write(f, b);
      try {
        ConfigResolver.resolve(f, List.of());
        accepted++;
      } catch (IllegalArgumentException e) {
        refused++;
        assertTrue(e.getMessage() != null && !e.getMessage().isBlank());
      } catch (RuntimeException e) {
        fail("mutation " + i + " raised " + e + " for:\n" + new String(b, StandardCharsets.UTF_8));
      }
    }
    System.out.println(
        "ConfigFileFuzzTest: "
            + n
            + " mutated files, "
            + accepted
            + " accepted, "
            + refused
            + " refused");
    assertTrue(refused > 0 && accepted + refused == n);
  }
}
