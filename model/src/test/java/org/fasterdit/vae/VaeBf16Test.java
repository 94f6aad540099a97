package org.fasterdit.vae;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.global.torch.DeviceType;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.fasterdit.io.HostTensor;
import org.fasterdit.io.Npz;
import org.fasterdit.model.Parity;
import org.fasterdit.torch.Precision;
import org.junit.jupiter.api.Test;

/**
 * The VAE in bf16, on the sd32 parity case (the full SD shape at width 32 with SD's 32 GroupNorm
 * groups; random weights with GroupNorm affines moved off 1/0 and q/k x4, see
 * model/src/test/resources/vae/README.md). Errors are relative to the largest magnitude of each
 * float64 reference output.
 *
 * <p>Why these tolerances: bf16 keeps 8 significant bits, so every rounded activation is off by up
 * to 2^-9 = 0.2% of its value, and the ~40 layers of a decode compound that. How much they compound
 * depends on the weights; the measure here is what PyTorch's own bf16 does with the same network
 * and inputs ({@code benchmarks/reference/make_vae_bf16_case.py}: weights and activations cast to
 * bf16, the only bf16 mode torch 1.13 runs on CPU): 2.5% of max on the posterior mean, 15% on
 * recon, 6.9% on dec_z (these random weights amplify rounding far more than trained ones would).
 * Our bf16 path must be about as accurate as that (within {@link #SLACK} x PyTorch's error), and
 * must actually run in bf16 (it differs from our fp32 output), or the test would pass on an
 * autocast that silently did nothing.
 */
class VaeBf16Test {
  static final Path VAE = Path.of("src/test/resources/vae");
  static final Path TORCH_BF16 = Path.of("src/test/resources/vae-bf16/sd32_bf16_reference.npz");
  static final String[] OUTPUTS = {"mean", "logvar", "recon", "dec_z"};

  /**
   * PyTorch's bf16 error may be exceeded by this factor: different kernels round at different
   * points, so on one small case the two largest errors are draws of the same size, not equal; the
   * measured ratio ours / PyTorch's is 0.6 - 1.05 on mean, recon and dec_z and up to 1.46 on
   * logvar; 2x leaves room for other CPUs' kernels, while a broken bf16 path is off by far more.
   */
  static final double SLACK = 2.0;

  /** bf16 must move each output by at least this share of its magnitude, else it did not run. */
  static final double MIN_BF16_EFFECT = 1e-4;

  /**
   * Autocast with fp32 weights: what {@code sample --vae} decodes with and {@code vae encode
   * --precision bf16} encodes with.
   */
  @Test
  void autocastIsAsAccurateAsPyTorchBf16() {
    compare(false);
  }

  /** Weights stored in bf16 ({@code castWeights}, {@code vae bench --precision bf16-weights}). */
  @Test
  void bf16WeightsAreAsAccurateAsPyTorchBf16() {
    compare(true);
  }

  private static void compare(boolean bf16Weights) {
    Map<String, HostTensor> c = VaeParity.readCase(VAE.resolve("sd32_float32.npz"));
    Map<String, HostTensor> torchBf16 = Npz.read(TORCH_BF16);
    try (AutoencoderKL vae =
        AutoencoderKL.load(VAE.resolve("ldm_fp32.safetensors"), new Device(DeviceType.CPU))) {
      Map<String, float[]> fp32 = VaeParity.outputs(vae, c, Precision.FP32);
      if (bf16Weights) vae.castWeights(ScalarType.BFloat16);
      Map<String, float[]> bf16 =
          VaeParity.outputs(vae, c, bf16Weights ? Precision.FP32 : Precision.BF16);
      for (String k : OUTPUTS) {
        float[] ref = c.get(k).toFloatArray(); // float64 forward, stored as float32
        double scale = 0;
        for (float v : ref) {
          // logvar's largest magnitude is the clamp at -30, which bf16 keeps exactly: scale by the
          // values the network computed instead
          if (!(k.equals("logvar") && v <= -30)) scale = Math.max(scale, Math.abs(v));
        }
        double vsRef = Parity.maxAbsDiff(bf16.get(k), ref, k) / scale;
        double vsFp32 = Parity.maxAbsDiff(bf16.get(k), fp32.get(k), k) / scale;
        double torch = Parity.maxAbsDiff(torchBf16.get(k).toFloatArray(), ref, k) / scale;
        double vsTorch = Parity.maxAbsDiff(bf16.get(k), torchBf16.get(k).toFloatArray(), k) / scale;
        System.out.printf(
            "vae %s %-6s (max |ref| %.3f): ours vs float64 %.2f%%, vs our fp32 %.2f%%,"
                + " vs torch bf16 %.2f%%; torch bf16 vs float64 %.2f%%%n",
            bf16Weights ? "bf16-weights" : "bf16-autocast",
            k,
            scale,
            100 * vsRef,
            100 * vsFp32,
            100 * vsTorch,
            100 * torch);
        assertTrue(
            vsRef <= SLACK * torch,
            k + ": bf16 error " + vsRef + " of max exceeds PyTorch's bf16 error " + torch);
        assertTrue(vsFp32 >= MIN_BF16_EFFECT, k + ": bf16 output equals fp32 (" + vsFp32 + ")");
      }
    }
  }
}
