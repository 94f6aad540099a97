package org.fasterdit.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Reading the launcher's variables: defaults, precedence of the timeout, and errors that name the
 * variable.
 */
class DistEnvTest {
  static Map<String, String> vars() {
    Map<String, String> m = new HashMap<>();
    m.put("RANK", "1");
    m.put("WORLD_SIZE", "2");
    m.put("MASTER_ADDR", "10.1.2.3");
    m.put("MASTER_PORT", "29500");
    return m;
  }

  @Test
  void readsTorchrunVariables() {
    assertFalse(DistEnv.requested(Map.of()));
    assertFalse(DistEnv.requested(Map.of("WORLD_SIZE", "1")));
    assertTrue(DistEnv.requested(vars()));
    DistEnv e = DistEnv.from(vars(), null);
    assertEquals(1, e.rank());
    assertEquals(2, e.worldSize());
    assertEquals(0, e.localRank()); // optional
    assertEquals(DistEnv.DEFAULT_TIMEOUT, e.timeout());
    assertEquals(Duration.ofSeconds(30), DistEnv.from(vars(), "30").timeout());
    Map<String, String> v = vars();
    v.put(DistEnv.TIMEOUT_VARIABLE, "2.5");
    assertEquals(Duration.ofMillis(2500), DistEnv.from(v, "30").timeout()); // the environment wins
  }

  @Test
  void namesWhatIsWrong() {
    Map<String, String> v = vars();
    v.remove("MASTER_ADDR");
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> DistEnv.from(v, null))
            .getMessage()
            .contains("MASTER_ADDR is not set"));
    Map<String, String> r = vars();
    r.put("RANK", "2");
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> DistEnv.from(r, null))
            .getMessage()
            .contains("RANK must be in [0, 2)"));
    Map<String, String> t = vars();
    t.put(DistEnv.TIMEOUT_VARIABLE, "soon");
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> DistEnv.from(t, null))
            .getMessage()
            .contains("FASTERDIT_DIST_TIMEOUT_S"));
  }

  @Test
  void ncclOnTheCpuBuildSaysWhatToInstall() {
    var ex =
        assertThrows(
            IllegalStateException.class,
            () -> NcclBackend.create(null, 0, 1, Duration.ofSeconds(1)));
    assertTrue(
        ex.getMessage().contains("NCCL is not available in this build")
            && ex.getMessage().contains("-Pcuda"),
        ex.getMessage());
  }

  @Test
  void findsTheLoopbackRouteForALocalJob() {
    assertEquals("127.0.0.1", Rendezvous.localAddressToward("127.0.0.1", 29500));
  }
}
