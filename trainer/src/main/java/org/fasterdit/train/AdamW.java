package org.fasterdit.train;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.fasterdit.torch.NativeScope;
import org.fasterdit.torch.NoGrad;
import org.fasterdit.torch.Scalars;

/**
 * AdamW as torch.optim.AdamW computes it (decoupled weight decay p *= 1 - lr wd; bias-corrected moments; eps added
 * after the square root). Written here rather than taken from LibTorch because (1) its state must live in our
 * single-file checkpoint, readable from Python and resumable with any process count, and (2) LibTorch's
 * AdamWOptions stores betas reversed, a silent trap (shared/docs/libtorch-java-notes.md). Checked against
 * torch.optim.AdamW outputs in the tests.
 */
public final class AdamW {
  private final List<String> names;
  private final List<Tensor> params;
  private final List<Tensor> expAvg = new ArrayList<>();
  private final List<Tensor> expAvgSq = new ArrayList<>();
  private double lr;
  private final double beta1, beta2, eps, weightDecay;
  private long step;

  public AdamW(Map<String, Tensor> namedParams, double lr, double beta1, double beta2, double eps, double weightDecay) {
    if (!(lr > 0)) throw new IllegalArgumentException("lr must be > 0, got " + lr);
    if (!(beta1 >= 0 && beta1 < 1)) throw new IllegalArgumentException("beta1 must be in [0, 1), got " + beta1);
    if (!(beta2 >= 0 && beta2 < 1)) throw new IllegalArgumentException("beta2 must be in [0, 1), got " + beta2);
    if (!(eps > 0)) throw new IllegalArgumentException("adam eps must be > 0, got " + eps);
    if (!(weightDecay >= 0)) throw new IllegalArgumentException("weight decay must be >= 0, got " + weightDecay);
    this.names = new ArrayList<>(namedParams.keySet());
    this.params = new ArrayList<>(namedParams.values());
    this.lr = lr;
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = eps;
    this.weightDecay = weightDecay;
    for (Tensor p : params) {
      expAvg.add(NativeScope.retain(torch.zeros_like(p)));
      expAvgSq.add(NativeScope.retain(torch.zeros_like(p)));
    }
  }

  public void setLr(double lr) {
    this.lr = lr;
  }

  public long stepCount() {
    return step;
  }

  /** One update from the gradients currently in {@code .grad()}; parameters without a gradient are skipped. */
  public void step() {
    step++;
    double bc1 = 1 - Math.pow(beta1, step);
    double bc2 = 1 - Math.pow(beta2, step);
    double stepSize = lr / bc1;
    double sqrtBc2 = Math.sqrt(bc2);
    try (var g = NoGrad.on(); var scope = NativeScope.open()) {
      for (int i = 0; i < params.size(); i++) {
        Tensor p = params.get(i);
        Tensor grad = p.grad();
        if (grad == null || grad.isNull() || !grad.defined()) continue;
        if (weightDecay != 0) p.mul_(Scalars.of(1 - lr * weightDecay));
        Tensor m = expAvg.get(i), v = expAvgSq.get(i);
        m.lerp_(grad, Scalars.of(1 - beta1)); // m = beta1 m + (1 - beta1) g
        v.mul_(Scalars.of(beta2)).addcmul_(grad, grad, Scalars.of(1 - beta2));
        Tensor denom = v.sqrt().div_(Scalars.of(sqrtBc2)).add_(Scalars.of(eps));
        p.addcdiv_(m, denom, Scalars.of(-stepSize));
      }
    }
  }

  public void zeroGrad() {
    for (Tensor p : params) {
      Tensor g = p.grad();
      if (g != null && !g.isNull() && g.defined()) g.zero_();
    }
  }

  /** Optimizer state by name ({@code exp_avg.<param>}, {@code exp_avg_sq.<param>}), for checkpoints. */
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
    try (var g = NoGrad.on(); var scope = NativeScope.open()) {
      for (int i = 0; i < names.size(); i++) {
        Tensor m = state.get("exp_avg." + names.get(i)), v = state.get("exp_avg_sq." + names.get(i));
        if (m == null || v == null) throw new IllegalArgumentException("checkpoint has no optimizer state for " + names.get(i));
        expAvg.get(i).copy_(m);
        expAvgSq.get(i).copy_(v);
      }
    }
    this.step = stepCount;
  }

  public void close() {
    expAvg.forEach(NativeScope::release);
    expAvgSq.forEach(NativeScope::release);
  }
}
