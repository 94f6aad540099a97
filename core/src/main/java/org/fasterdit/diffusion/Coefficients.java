package org.fasterdit.diffusion;

import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.fasterdit.torch.HostRandom;
import org.fasterdit.torch.Tensors;

/**
 * Per-sample schedule coefficients, computed in float64 on the host and broadcast as (B, 1, 1, 1)
 * tensors.
 */
final class Coefficients {
  private Coefficients() {}

  static Tensor column(double[] v, Device device) {
    float[] f = new float[v.length];
    for (int i = 0; i < v.length; i++) f[i] = (float) v[i];
    return HostRandom.onDevice(Tensors.ofFloats(f, v.length, 1, 1, 1), device);
  }

  static Tensor vector(double[] v, Device device) {
    float[] f = new float[v.length];
    for (int i = 0; i < v.length; i++) f[i] = (float) v[i];
    return HostRandom.onDevice(Tensors.ofFloats(f, v.length), device);
  }

  static double[] map(double[] t, java.util.function.DoubleUnaryOperator f) {
    double[] out = new double[t.length];
    for (int i = 0; i < t.length; i++) out[i] = f.applyAsDouble(t[i]);
    return out;
  }
}
