package org.fasterdit.model;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.Map;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.DeviceType;
import org.fasterdit.io.HostTensor;
import org.fasterdit.io.Npz;
import org.fasterdit.torch.NativeScope;
import org.fasterdit.torch.NoGrad;
import org.fasterdit.torch.Precision;
import org.fasterdit.torch.Tensors;

/**
 * Runs a checkpoint on a reference case (an .npz with {@code x}, {@code t}, {@code y} and the
 * reference PyTorch {@code out}; optionally {@code cfg_x}, {@code cfg_t}, {@code cfg_y}, {@code
 * cfg_scale}, {@code cfg_out_all}, {@code cfg_out_first3}) and reports the largest absolute
 * differences.
 */
public final class Parity {
  private Parity() {}

  /**
   * @param cfgMaxAbsErr NaN when the case has no guidance outputs
   */
  public record Result(DiTConfig config, long count, double maxAbsErr, double cfgMaxAbsErr) {}

  public static Result run(
      Path checkpoint, String key, int heads, Path caseFile, Precision precision) {
    Device cpu = new Device(DeviceType.CPU);
    try (Arena arena = Arena.ofConfined()) {
      Map<String, HostTensor> sd = CheckpointLoader.readStateDict(checkpoint, key, arena);
      DiTConfig config = CheckpointLoader.inferConfig(sd, heads);
      Map<String, HostTensor> c = Npz.read(caseFile);
      for (String k : new String[] {"x", "t", "y", "out"}) {
        if (!c.containsKey(k))
          throw new IllegalArgumentException(caseFile + ": missing array '" + k + "'");
      }
      try (DiT dit = CheckpointLoader.load(sd, config, cpu);
          var s = NativeScope.open();
          var g = NoGrad.on();
          var a = precision.autocast(cpu)) {
        Tensor out =
            dit.forward(
                Tensors.copyOf(c.get("x")), Tensors.copyOf(c.get("t")), Tensors.copyOf(c.get("y")));
        float[] got = Tensors.toFloats(out);
        double err = maxAbsDiff(got, c.get("out").toFloatArray(), "out");
        double cfgErr = Double.NaN;
        if (c.containsKey("cfg_x") && c.containsKey("cfg_out_all")) {
          Tensor cx = Tensors.copyOf(c.get("cfg_x")),
              ct = Tensors.copyOf(c.get("cfg_t")),
              cy = Tensors.copyOf(c.get("cfg_y"));
          double scale = c.get("cfg_scale").toDoubleArray()[0];
          cfgErr =
              maxAbsDiff(
                  Tensors.toFloats(dit.forwardWithCfg(cx, ct, cy, scale, config.inChannels())),
                  c.get("cfg_out_all").toFloatArray(),
                  "cfg_out_all");
          if (c.containsKey("cfg_out_first3")) {
            int g3 = Math.min(3, config.inChannels());
            cfgErr =
                Math.max(
                    cfgErr,
                    maxAbsDiff(
                        Tensors.toFloats(dit.forwardWithCfg(cx, ct, cy, scale, g3)),
                        c.get("cfg_out_first3").toFloatArray(),
                        "cfg_out_first3"));
          }
        }
        return new Result(config, got.length, err, cfgErr);
      }
    }
  }

  public static double maxAbsDiff(float[] got, float[] want, String what) {
    if (got.length != want.length) {
      throw new IllegalArgumentException(
          what + ": model gives " + got.length + " values, reference has " + want.length);
    }
    double max = 0;
    for (int i = 0; i < got.length; i++) {
      double d = Math.abs((double) got[i] - want[i]);
      if (Double.isNaN(d)) return Double.NaN;
      max = Math.max(max, d);
    }
    return max;
  }
}
