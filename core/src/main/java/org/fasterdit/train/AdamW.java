package org.fasterdit.train;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.fasterdit.torch.FusedAdamW;
import org.fasterdit.torch.NativeScope;
import org.fasterdit.torch.NoGrad;
import org.fasterdit.torch.Scalars;

/**
 * AdamW as torch.optim.AdamW computes it (decoupled weight decay p *= 1 - lr wd; bias-corrected
 * moments; eps added after the square root). The update is LibTorch's fused kernel ({@link
 * FusedAdamW}: one pass over memory instead of seven); the state is ours rather than LibTorch's
 * optimizer class because (1) it must live in our single-file checkpoint, readable from Python and
 * resumable with any process count, and (2) LibTorch's AdamWOptions stores betas reversed, a silent
 * trap (docs/libtorch-from-java.md). Checked against torch.optim.AdamW outputs in the tests.
 */
public final class AdamW {
  private final List<String> names;
  private final List<Tensor> params;
  private final List<Tensor> expAvg = new ArrayList<>();
  private final List<Tensor> expAvgSq = new ArrayList<>();
  private double lr;
  private final double beta1, beta2, eps, weightDecay;
  private long step;
  private final Tensor stepTensor; // the step count as the fused kernel reads it

  public AdamW(
      Map<String, Tensor> namedParams,
      double lr,
      double beta1,
      double beta2,
      double eps,
      double weightDecay) {
    if (!(lr > 0)) throw new IllegalArgumentException("lr must be > 0, got " + lr);
    if (!(beta1 >= 0 && beta1 < 1))
      throw new IllegalArgumentException("beta1 must be in [0, 1), got " + beta1);
    if (!(beta2 >= 0 && beta2 < 1))
      throw new IllegalArgumentException("beta2 must be in [0, 1), got " + beta2);
    if (!(eps > 0)) throw new IllegalArgumentException("adam eps must be > 0, got " + eps);
    if (!(weightDecay >= 0))
      throw new IllegalArgumentException("weight decay must be >= 0, got " + weightDecay);
    this.names = new ArrayList<>(namedParams.keySet());
    this.params = new ArrayList<>(namedParams.values());
    this.lr = lr;
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = eps;
    this.weightDecay = weightDecay;
    // on the parameters' device: the CUDA kernel reads the step count there
    Tensor zero = torch.zeros(1);
    this.stepTensor =
        NativeScope.retain(
            params.isEmpty() ? zero : zero.to(params.get(0).device(), torch.ScalarType.Float));
    for (Tensor p : params) {
      expAvg.add(NativeScope.retain(torch.zeros_like(p)));
      expAvgSq.add(NativeScope.retain(torch.zeros_like(p)));
    }
  }

  public void setLr(double lr) {
    this.lr = lr;
  }

  public double lr() {
    return lr;
  }

  public long stepCount() {
    return step;
  }

  /**
   * One update from the gradients currently in {@code .grad()}; parameters without a gradient are
   * skipped.
   */
  public void step() {
    step(ParameterPasses.SERIAL);
  }

  /** {@link #step()} with the parameters' updates run by {@code passes}. */
  public void step(ParameterPasses passes) {
    step++;
    try (var g = NoGrad.on();
        var scope = NativeScope.open()) {
      stepTensor.fill_(Scalars.of((double) step));
      passes.run(params, this::update);
    }
  }

  /** The fused update of parameters [from, to) that have a gradient. */
  private void update(int from, int to) {
    List<Tensor> ps = new ArrayList<>(), gs = new ArrayList<>();
    List<Tensor> ms = new ArrayList<>(), vs = new ArrayList<>();
    for (int i = from; i < to; i++) {
      Tensor grad = params.get(i).grad();
      if (grad == null || grad.isNull() || !grad.defined()) continue;
      ps.add(params.get(i));
      gs.add(grad);
      ms.add(expAvg.get(i));
      vs.add(expAvgSq.get(i));
    }
    if (!ps.isEmpty())
      FusedAdamW.step(ps, gs, ms, vs, stepTensor, lr, beta1, beta2, weightDecay, eps);
  }

  /**
   * Drops the gradients (PyTorch's zero_grad(set_to_none=True), its default): the next backward
   * stores fresh gradients instead of adding them into zeroed ones, two passes over the gradients
   * fewer per step.
   */
  public void zeroGrad() {
    for (Tensor p : params) p.mutable_grad().reset();
  }

  /**
   * Optimizer state by name ({@code exp_avg.<param>}, {@code exp_avg_sq.<param>}), for checkpoints.
   */
  public Map<String, Tensor> state() {
    Map<String, Tensor> s = new LinkedHashMap<>();
    for (int i = 0; i < names.size(); i++) {
      s.put("exp_avg." + names.get(i), expAvg.get(i));
      s.put("exp_avg_sq." + names.get(i), expAvgSq.get(i));
    }
    return s;
  }

  /** Restores moments and the step count saved by {@link #state}. */
  public void load(Map<String, Tensor> state, long stepCount) {
    try (var g = NoGrad.on();
        var scope = NativeScope.open()) {
      for (int i = 0; i < names.size(); i++) {
        Tensor m = state.get("exp_avg." + names.get(i)),
            v = state.get("exp_avg_sq." + names.get(i));
        if (m == null || v == null)
          throw new IllegalArgumentException(
              "checkpoint has no optimizer state for " + names.get(i));
        expAvg.get(i).copy_(m);
        expAvgSq.get(i).copy_(v);
      }
    }
    this.step = stepCount;
  }

  public void close() {
    expAvg.forEach(NativeScope::release);
    expAvgSq.forEach(NativeScope::release);
    NativeScope.release(stepTensor);
  }
}
