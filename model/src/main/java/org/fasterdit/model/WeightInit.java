package org.fasterdit.model;

import java.util.SplittableRandom;
import org.bytedeco.pytorch.Tensor;
import org.fasterdit.torch.NoGrad;
import org.fasterdit.torch.Tensors;

/**
 * The reference initialisation, drawn from a Java RNG so a seed gives the same weights on every
 * device and build. Values are generated on the host and copied in.
 */
public final class WeightInit {
  private final SplittableRandom rng;

  public WeightInit(long seed) {
    this.rng = new SplittableRandom(seed);
  }

  /**
   * Xavier-uniform for a weight seen as (fanOut, fanIn): U(-a, a), a = sqrt(6 / (fanIn + fanOut)).
   */
  public void xavierUniform(Tensor w) {
    long fanOut = w.size(0);
    long fanIn =
        w.numel() / fanOut; // a conv kernel counts as its flattened view, as the reference does
    double a = Math.sqrt(6.0 / (fanIn + fanOut));
    float[] v = new float[Math.toIntExact(w.numel())];
    for (int i = 0; i < v.length; i++) v[i] = (float) ((rng.nextDouble() * 2 - 1) * a);
    set(w, v);
  }

  public void normal(Tensor w, double std) {
    float[] v = new float[Math.toIntExact(w.numel())];
    for (int i = 0; i < v.length; i++) v[i] = (float) (rng.nextGaussian() * std);
    set(w, v);
  }

  public static void zero(Tensor w) {
    try (var g = NoGrad.on()) {
      w.zero_();
    }
  }

  /** Copies host values into {@code w}, keeping its device and its requires_grad flag. */
  public static void set(Tensor w, float[] values) {
    try (var g = NoGrad.on();
        var s = org.fasterdit.torch.NativeScope.open()) {
      w.copy_(Tensors.ofFloats(values, Tensors.shape(w)));
    }
  }
}
