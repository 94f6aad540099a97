package org.fasterdit.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.fasterdit.data.StdModulation;
import org.fasterdit.diffusion.FlowPath;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigResolverTest {
  @Test
  void presetsThenFileThenOverrides(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("c.json");
    Files.writeString(f, "{\"preset\": \"sit\", \"batch\": 32, \"lr\": 2e-4}");
    TrainConfig c = ConfigResolver.resolve(f, List.of("batch=16", "--ema_decay=0.99"));
    assertEquals("sit", c.preset());
    assertEquals(16, c.batch());
    assertEquals(2e-4, c.lr());
    assertEquals(0.99, c.emaDecay());
    assertEquals(0.0, c.directionWeight());
    assertEquals("uniform", c.timesteps().toString());
    assertEquals(StdModulation.Mode.NONE, c.stdMode());
    TrainConfig d = ConfigResolver.resolve(null, List.of("preset=dit"));
    assertEquals("ddpm", d.objective());
    assertTrue(d.learnSigma());
    TrainConfig g = ConfigResolver.resolve(null, List.of("path=cosine"));
    assertEquals(FlowPath.COSINE, g.path());
  }

  @Test
  void badInputIsRefusedByName() {
    var e =
        assertThrows(
            IllegalArgumentException.class, () -> ConfigResolver.resolve(null, List.of("bacth=3")));
    assertTrue(e.getMessage().contains("unknown config key 'bacth'"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> ConfigResolver.resolve(null, List.of("batch=many")));
    assertTrue(e.getMessage().contains("'batch' must be an integer, got 'many'"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> ConfigResolver.resolve(null, List.of("batch=10", "grad-accum=3")));
    assertTrue(
        e.getMessage().contains("batch 10 must be divisible by grad-accum 3"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> ConfigResolver.resolve(null, List.of("preset=ddim")));
    assertTrue(e.getMessage().contains("unknown preset 'ddim'"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> ConfigResolver.resolve(null, List.of("timesteps=lognorm:0")));
    assertTrue(e.getMessage().contains("timesteps"), e.getMessage());
    TrainConfig c = ConfigResolver.resolve(null, List.of("patch=3"));
    e = assertThrows(IllegalArgumentException.class, () -> c.modelConfig(32, 1, 10));
    assertTrue(
        e.getMessage().contains("patch size 3 must divide the input size 32"), e.getMessage());
  }
}
