package org.fasterdit.train;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.fasterdit.model.DiT;
import org.fasterdit.torch.NativeScope;
import org.fasterdit.torch.NoGrad;
import org.fasterdit.torch.Scalars;

/**
 * Exponential moving average of the weights, updated every step: ema = decay ema + (1 - decay) p.
 * It starts as an exact copy of the model (as the DiT recipe does), and is what sampling uses by
 * default.
 */
public final class Ema {
  private final DiT ema;
  private final List<Tensor> src = new ArrayList<>();
  private final List<Tensor> dst = new ArrayList<>();
  private final double decay;

  public Ema(DiT model, double decay) {
    if (!(decay >= 0 && decay <= 1))
      throw new IllegalArgumentException("ema decay must be in [0, 1], got " + decay);
    this.decay = decay;
    this.ema = new DiT(model.config(), model.device());
    ema.copyFrom(model);
    for (var e : model.stateDict().entrySet()) {
      if (!model.params().isTrainable(e.getKey())) continue;
      src.add(e.getValue());
      dst.add(ema.stateDict().get(e.getKey()));
    }
    for (Tensor t : ema.stateDict().values()) t.requires_grad_(false);
  }

  public void update() {
    try (var g = NoGrad.on();
        var s = NativeScope.open()) {
      var w = Scalars.of(1 - decay);
      for (int i = 0; i < src.size(); i++) dst.get(i).lerp_(src.get(i), w);
    }
  }

  public DiT model() {
    return ema;
  }

  public void close() {
    ema.close();
  }
}
