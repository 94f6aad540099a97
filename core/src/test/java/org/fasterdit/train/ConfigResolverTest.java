package org.fasterdit.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.fasterdit.data.StdModulation;
import org.fasterdit.diffusion.FlowPath;
import org.fasterdit.torch.Precision;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigResolverTest {
  @Test
  void presetsThenFileThenOverrides(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("c.json");
    Files.writeString(f, "{\"preset\": \"sit\", \"batch\": 32, \"lr\": 2e-4}");
    TrainConfig c = ConfigResolver.resolve(f, List.of("batch=16", "--ema_decay=0.99"));
    assertEquals("sit", c.preset());
    assertEquals(16, c.optim().batch());
    assertEquals(2e-4, c.optim().lr());
    assertEquals(0.99, c.optim().emaDecay());
    assertEquals(0.0, c.objective().directionWeight());
    assertEquals("uniform", c.objective().timesteps().toString());
    assertEquals(StdModulation.Mode.NONE, c.data().stdMode());
    TrainConfig d = ConfigResolver.resolve(null, List.of("preset=dit"));
    assertEquals("ddpm", d.objective().kind().toString());
    assertTrue(d.model().learnSigma());
    TrainConfig g = ConfigResolver.resolve(null, List.of("path=cosine"));
    assertEquals(FlowPath.COSINE, g.objective().path());
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
    e = assertThrows(IllegalArgumentException.class, () -> c.model().forData(32, 1, 10));
    assertTrue(
        e.getMessage().contains("patch size 3 must divide the input size 32"), e.getMessage());
  }

  @Test
  void aliasesTypedChangesAndRefusedCombinations() {
    TrainConfig c =
        ConfigResolver.resolve(
            null, List.of("--global-batch-size=32", "global_seed=7", "path-type=GVP", "workers=2"));
    assertEquals(32, c.optim().batch());
    assertEquals(7, c.run().seed());
    assertEquals(FlowPath.COSINE, c.objective().path());
    assertEquals(2, c.run().stepThreads());
    assertEquals(Precision.AUTO, c.run().precision(), "auto is the default precision");
    assertEquals(Precision.BF16, c.with("precision", "bf16").run().precision());
    var p = assertThrows(ConfigException.class, () -> c.with("precision", "fp64"));
    assertTrue(p.getMessage().contains("precision"), p.getMessage());
    assertEquals("32", c.get("batch"));
    TrainConfig d = TrainConfig.preset("sit").with("batch", 8).with("lr", 3e-4);
    assertEquals(8, d.optim().batch());
    assertEquals(3e-4, d.optim().lr());
    assertEquals("uniform", d.objective().timesteps().toString());
    assertEquals("lognorm:0,1", d.with("preset", "fasterdit").objective().timesteps().toString());
    assertEquals(64, d.with("preset", "fasterdit").optim().batch());
    assertTrue(c.typedValues().get("batch") instanceof Integer);
    assertTrue(c.typedValues().get("flip") instanceof Boolean);
    var e =
        assertThrows(
            ConfigException.class,
            () -> ConfigResolver.resolve(null, List.of("preset=dit", "timesteps=lognorm:0,1")));
    assertTrue(e.getMessage().contains("timesteps=lognorm:0,1"), e.getMessage());
    assertTrue(e.getMessage().contains("objective=ddpm"), e.getMessage());
    e = assertThrows(ConfigException.class, () -> d.with("bacth", 3));
    assertTrue(e.getMessage().contains("unknown config key 'bacth'"), e.getMessage());
    assertEquals(
        "DiT-XL/2", ConfigResolver.resolve(null, List.of("model=DiT-XL/2")).model().name());
    assertEquals(
        28,
        ConfigResolver.resolve(null, List.of("model=SiT-XL/2")).model().forData(32, 4, 10).depth());
  }
}
