package org.fasterdit.vae;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.global.torch.DeviceType;
import org.fasterdit.io.HostTensor;
import org.fasterdit.model.Parity;
import org.fasterdit.torch.NativeScope;
import org.fasterdit.torch.Precision;
import org.fasterdit.torch.Tensors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Java AutoencoderKL against the team's PyTorch reference
 * (benchmarks/reference/make_vae_cases.py): random weights written by Python in every layout
 * (diffusers folders with current and pre-0.15 attention names, as .safetensors and .bin; LDM .ckpt
 * with and without the first_stage_model. prefix and loss/UNet/EMA entries to ignore; LDM
 * .safetensors), fp32 and fp16 storage. References are float64 from the stored weights; a float32
 * PyTorch forward lands within 7.3e-6 of them.
 */
class VaeParityTest {
  static final Path DIR = Path.of("src/test/resources/vae");
  static final double TOL = 1e-4;

  static List<JsonNode> cases() throws Exception {
    List<JsonNode> out = new ArrayList<>();
    new ObjectMapper().readTree(DIR.resolve("manifest.json").toFile()).forEach(out::add);
    return out;
  }

  /** All four outputs within 1e-4, the config as written, and z = mean + std * noise. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void fp32MatchesTheReference(JsonNode c) {
    Map<String, HostTensor> npz = VaeParity.readCase(DIR.resolve(c.get("npz").asText()));
    try (AutoencoderKL vae =
            AutoencoderKL.load(DIR.resolve(c.get("vae").asText()), new Device(DeviceType.CPU));
        var s = NativeScope.open()) {
      VaeParity.Result r = VaeParity.run(vae, npz, Precision.FP32);
      VaeConfig cfg = r.config();
      List<Integer> widths = new ArrayList<>();
      c.get("block_out_channels").forEach(n -> widths.add(n.asInt()));
      assertEquals(widths, cfg.blockOutChannels());
      assertEquals(c.get("layers_per_block").asInt(), cfg.layersPerBlock());
      assertEquals(c.get("latent_channels").asInt(), cfg.latentChannels());
      assertEquals(c.get("norm_num_groups").asInt(), cfg.normGroups());
      assertEquals(c.get("scaling_factor").asDouble(), cfg.scalingFactor(), 0);
      assertEquals(4, r.errors().size());
      System.out.printf(
          "vae parity %s: %s max_abs_err=%.3e%n",
          c.get("name").asText(), r.errors(), r.maxAbsErr());
      assertTrue(r.maxAbsErr() <= TOL, c.get("name") + ": " + r.errors());

      Posterior p = vae.encode(Tensors.copyOf(npz.get("x")));
      float[] z = Tensors.toFloats(p.sample(Tensors.copyOf(npz.get("noise"))));
      double err = Parity.maxAbsDiff(z, npz.get("z").toFloatArray(), "z");
      assertTrue(err <= TOL, c.get("name") + ": z max abs err " + err);
      double min = Double.MAX_VALUE;
      for (float v : Tensors.toFloats(p.logvar())) min = Math.min(min, v);
      assertEquals(
          -30.0, min, 0, "one logvar channel of the fixtures lies below -30 and must be clamped");
    }
  }
}
