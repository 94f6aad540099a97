package org.fasterdit.sample;

import org.bytedeco.pytorch.Tensor;
import org.fasterdit.model.DiT;

/**
 * What a sampler evaluates: the network's output at states {@code x} (N, C, H, W) and model times
 * {@code t} (N,). Samplers see nothing else of the model, so the same loop runs a guided DiT or an
 * analytic stand-in whose exact answer is known (the tests use both).
 */
@FunctionalInterface
public interface Denoiser {
  /**
   * @param pathTime the same time on the path scale (0 = noise, 1 = data) for the guidance interval
   */
  Tensor predict(Tensor x, Tensor t, double pathTime);

  /** {@code model} conditioned on labels {@code y}, guided as {@code g} says. */
  static Denoiser of(DiT model, Tensor y, Guidance g) {
    return (x, t, pathTime) -> g.predict(model, x, t, y, pathTime);
  }
}
