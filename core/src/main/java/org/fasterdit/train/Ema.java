package org.fasterdit.train;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.fasterdit.model.DiT;
import org.fasterdit.torch.NativeScope;
import org.fasterdit.torch.NoGrad;
import org.fasterdit.torch.Scalars;

/**
 * Exponential moving average of the weights, updated every step: ema = d ema + (1 - d) p. It starts
 * as an exact copy of the model (as the DiT recipe does), and is what sampling uses by default.
 *
 * <p>With warm-up (the {@code ema-warmup} key, on by default) the decay of the update after {@code
 * k} earlier updates is {@code min(decay, (1 + k) / (10 + k))}: 0.1, 0.18, 0.25, ... Without it, a
 * run shorter than about {@code 1 / (1 - decay)} steps keeps mostly its random initial weights in
 * the EMA (0.9999 needs ~10k steps); with it the EMA averages roughly the last tenth of training at
 * any length and reaches the configured decay only when the run is long enough for it. The decay
 * depends only on the update count, which checkpoints keep (the optimizer's step count), so resume
 * stays exact.
 */
public final class Ema {
  private final DiT ema;
  private final List<Tensor> src = new ArrayList<>();
  private final List<Tensor> dst = new ArrayList<>();
  private final double decay;
  private final boolean warmup;

  public Ema(DiT model, double decay, boolean warmup) {
    if (!(decay >= 0 && decay <= 1))
      throw new IllegalArgumentException("ema decay must be in [0, 1], got " + decay);
    this.decay = decay;
    this.warmup = warmup;
    this.ema = new DiT(model.config(), model.device());
    ema.copyFrom(model);
    for (var e : model.stateDict().entrySet()) {
      if (!model.params().isTrainable(e.getKey())) continue;
      src.add(e.getValue());
      dst.add(ema.stateDict().get(e.getKey()));
    }
    for (Tensor t : ema.stateDict().values()) t.requires_grad_(false);
  }

  /** The decay of the update that follows {@code earlierUpdates} updates. */
  public static double decayAt(double decay, boolean warmup, long earlierUpdates) {
    if (earlierUpdates < 0)
      throw new IllegalArgumentException("update count must be >= 0, got " + earlierUpdates);
    if (!warmup) return decay;
    return Math.min(decay, (1.0 + earlierUpdates) / (10.0 + earlierUpdates));
  }

  /** One update; {@code earlierUpdates} is how many updates this EMA has had before this one. */
  public void update(long earlierUpdates) {
    update(earlierUpdates, ParameterPasses.SERIAL);
  }

  /** {@link #update(long)} with the parameters' updates run by {@code passes}. */
  public void update(long earlierUpdates, ParameterPasses passes) {
    double d = decayAt(decay, warmup, earlierUpdates);
    try (var g = NoGrad.on();
        var s = NativeScope.open()) {
      passes.run(
          dst,
          (from, to) -> {
            var w = Scalars.of(1 - d);
            for (int i = from; i < to; i++) dst.get(i).lerp_(src.get(i), w);
          });
    }
  }

  public DiT model() {
    return ema;
  }

  public void close() {
    ema.close();
  }
}
