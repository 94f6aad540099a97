package org.fasterdit.train;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.fasterdit.torch.NativeScope;
import org.fasterdit.torch.NoGrad;
import org.fasterdit.torch.Scalars;
import org.fasterdit.torch.Tensors;

/**
 * Gradient clipping by the global L2 norm, as LibTorch's {@code clip_grad_norm_} computes it (the
 * norm of the per-parameter norms, coefficient {@code max / (norm + 1e-6)} clamped at 1, in fp32
 * tensor arithmetic; the tests compare bits), with two differences: the per-parameter norms and the
 * scaling run as {@link ParameterPasses} (both cores between steps instead of one), and a
 * coefficient of exactly 1 skips the multiply, which would leave every gradient as it was. CPU
 * only: gradients on a GPU go to {@code clip_grad_norm_} itself.
 */
public final class GradientClip {
  private GradientClip() {}

  /**
   * Scales the gradients of {@code params} so that their global norm is at most {@code maxNorm};
   * returns the norm before clipping (NaN or infinite when a gradient is). Parameters without a
   * gradient are left out; none with a gradient: 0.
   */
  public static double clip(List<Tensor> params, double maxNorm, ParameterPasses passes) {
    List<Tensor> grads = new ArrayList<>();
    for (Tensor p : params) {
      Tensor g = p.grad();
      if (g.defined()) grads.add(g);
    }
    if (grads.isEmpty()) return 0.0;
    if (!grads.get(0).device().is_cpu()) // one host sync per parameter would stall the device
    return torch.clip_grad_norm_(new TensorVector(params.toArray(new Tensor[0])), maxNorm);
    float[] norms = new float[grads.size()];
    passes.run(
        grads,
        (from, to) -> {
          for (int i = from; i < to; i++) norms[i] = grads.get(i).norm().item_float();
        });
    try (var ng = NoGrad.on();
        var scope = NativeScope.open()) {
      Tensor total =
          norms.length == 1
              ? Tensors.ofFloats(norms)
              : Tensors.ofFloats(norms, norms.length).norm();
      // max / (norm + 1e-6) in fp32, as LibTorch's Scalar / Tensor operator computes it
      Tensor coef =
          Tensors.ofFloats(new float[] {(float) maxNorm}).div(total.add(Scalars.of(1e-6)));
      Tensor clamped = coef.clamp_max(Scalars.of(1.0));
      if (clamped.item_float() != 1f) {
        passes.run(
            grads,
            (from, to) -> {
              for (int i = from; i < to; i++) grads.get(i).mul_(clamped);
            });
      }
      return total.item_double();
    }
  }
}
