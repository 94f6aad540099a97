package org.fasterdit.latents;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.fasterdit.data.DataStats;
import org.fasterdit.data.StdModulation;
import org.fasterdit.sample.SampleSet;
import org.fasterdit.torch.Devices;
import org.fasterdit.torch.NativeScope;
import org.fasterdit.torch.Precision;
import org.fasterdit.torch.Scalars;
import org.fasterdit.torch.Tensors;
import org.fasterdit.vae.AutoencoderKL;
import org.junit.jupiter.api.Test;

/**
 * encode -> x scaling factor -> std modulation -> its inverse -> decoding equals decoding the raw
 * latents, for every modulation mode (random-weight SD-shaped VAE from the VAE parity fixtures).
 */
class LatentRoundTripTest {
  static final Path VAE = Path.of("../model/src/test/resources/vae/diffusers_new_fp32");

  @Test
  void modulationAndScalingAreInvertedExactly() {
    Device cpu = Devices.resolve("cpu");
    try (AutoencoderKL vae = AutoencoderKL.load(VAE, cpu);
        var scope = NativeScope.open()) {
      double sf = vae.scalingFactor();
      assertEquals(0.18215, sf);
      torch.manual_seed(3);
      Tensor x = torch.rand(3, 3, 32, 32).mul(Scalars.of(2)).sub(Scalars.of(1));
      Tensor z = vae.encode(x).mean(); // (3, 4, 4, 4) raw latents
      float[] want = Tensors.toFloats(vae.decode(z));
      float[] scaled = Tensors.toFloats(z.mul(Scalars.of(sf)));
      int c = 4, hw = 16;
      SampleSet asData = new SampleSet(scaled.clone(), new long[] {0, 1, 2}, c, 4, 4);
      DataStats stats = measured(scaled, c, hw);
      for (StdModulation.Mode mode : StdModulation.Mode.values()) {
        StdModulation mod = new StdModulation(mode, 1.7, stats);
        float[] v = scaled.clone();
        mod.apply(v, c, hw); // what the model trains on
        mod.invert(v, c, hw); // what the sampler hands back
        SampleSet images =
            LatentDecoding.decode(
                new SampleSet(v, asData.labels(), c, 4, 4),
                sf,
                vae::decode,
                cpu,
                2,
                Precision.FP32,
                k -> {});
        assertEquals(3, images.c());
        assertEquals(32, images.h());
        double err = 0;
        for (int i = 0; i < want.length; i++)
          err = Math.max(err, Math.abs(want[i] - images.x()[i]));
        System.out.printf("round trip %s: max |decode(raw) - ours| = %.2e%n", mode, err);
        assertTrue(err < 1e-4, mode + ": " + err);
      }
      // bf16 decoding (when a machine chooses it) stays close to fp32
      SampleSet bf =
          LatentDecoding.decode(asData, sf, vae::decode, cpu, 3, Precision.BF16, k -> {});
      double err = 0, mag = 0;
      for (int i = 0; i < want.length; i++) {
        err = Math.max(err, Math.abs(want[i] - bf.x()[i]));
        mag = Math.max(mag, Math.abs(want[i]));
      }
      System.out.printf("bf16 decode: max abs err %.3e (max |x| %.3f)%n", err, mag);
      assertTrue(err < 0.1 * mag, "bf16 decode err " + err);
    }
  }

  static DataStats measured(float[] x, int c, int hw) {
    ChannelMoments m = new ChannelMoments(c);
    m.add(x, x.length / (c * hw), hw);
    return m.stats(hw);
  }
}
