package org.fasterdit.vae;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.global.torch.DeviceType;
import org.fasterdit.io.HostTensor;
import org.fasterdit.io.Npz;
import org.fasterdit.model.Parity;
import org.fasterdit.torch.NativeScope;
import org.fasterdit.torch.Precision;
import org.fasterdit.torch.Tensors;

/**
 * Runs a VAE on a reference case written by {@code benchmarks/reference/make_vae_cases.py}: an .npz
 * with {@code x} (N, 3, H, W) in [-1, 1], the reference posterior {@code mean} and {@code logvar}
 * of x, {@code recon} = decode(mean), a latent {@code z} and {@code dec_z} = decode(z). Both
 * decodes start from the case's own latents, so an encoder difference is not counted twice.
 */
public final class VaeParity {
  private VaeParity() {}

  /**
   * @param errors the largest absolute difference per output: mean, logvar, recon, dec_z
   */
  public record Result(VaeConfig config, Map<String, Double> errors, long values) {
    public double maxAbsErr() {
      double max = 0;
      for (double e : errors.values()) {
        if (Double.isNaN(e)) return Double.NaN;
        max = Math.max(max, e);
      }
      return max;
    }
  }

  public static Result run(Path vaePath, Path caseFile, Precision precision) {
    Map<String, HostTensor> c = readCase(caseFile);
    Device cpu = new Device(DeviceType.CPU);
    try (AutoencoderKL vae = AutoencoderKL.load(vaePath, cpu)) {
      return run(vae, c, precision);
    }
  }

  /** The case's arrays, checked for the ones {@link #run} needs. */
  public static Map<String, HostTensor> readCase(Path caseFile) {
    Map<String, HostTensor> c = Npz.read(caseFile);
    for (String k : new String[] {"x", "mean", "logvar", "recon", "z", "dec_z"}) {
      if (!c.containsKey(k))
        throw new IllegalArgumentException(caseFile + ": missing array '" + k + "'");
    }
    return c;
  }

  public static Result run(AutoencoderKL vae, Map<String, HostTensor> c, Precision precision) {
    Map<String, Double> errors = new LinkedHashMap<>();
    long values = 0;
    for (var e : outputs(vae, c, precision).entrySet()) {
      float[] mine = e.getValue();
      errors.put(e.getKey(), Parity.maxAbsDiff(mine, c.get(e.getKey()).toFloatArray(), e.getKey()));
      values += mine.length;
    }
    return new Result(vae.config(), errors, values);
  }

  /**
   * The four outputs of {@code vae} on the case's inputs, under {@code precision}'s autocast, as
   * float32: {@code mean}, {@code logvar} of x, {@code recon} = decode(case mean), {@code dec_z} =
   * decode(case z).
   */
  public static Map<String, float[]> outputs(
      AutoencoderKL vae, Map<String, HostTensor> c, Precision precision) {
    try (var s = NativeScope.open();
        var a = precision.autocast(vae.device())) {
      Posterior p = vae.encode(Tensors.copyOf(c.get("x")));
      Map<String, float[]> got = new LinkedHashMap<>();
      got.put("mean", Tensors.toFloats(p.mean()));
      got.put("logvar", Tensors.toFloats(p.logvar()));
      got.put("recon", Tensors.toFloats(vae.decode(Tensors.copyOf(c.get("mean")))));
      got.put("dec_z", Tensors.toFloats(vae.decode(Tensors.copyOf(c.get("z")))));
      return got;
    }
  }
}
