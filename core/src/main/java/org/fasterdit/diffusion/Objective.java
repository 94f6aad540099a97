package org.fasterdit.diffusion;

import org.bytedeco.pytorch.Tensor;
import org.fasterdit.model.DiT;
import org.fasterdit.torch.HostRandom;

/** A training objective: how to noise a batch, what the model should predict, and the loss. */
public interface Objective {
  /**
   * @param x clean (modulated) data (B, C, H, W), float32 on the model's device
   * @param y labels (B), int64, with dropped labels already replaced by the null label
   * @param rngs one random stream per sample, keyed by the sample's place in the global batch, so a
   *     batch split across ranks or micro-batches draws exactly the same noise and timesteps as the
   *     whole batch would
   * @param step the optimizer step (for step-dependent timestep sampling)
   */
  LossTerms loss(DiT model, Tensor x, Tensor y, HostRandom[] rngs, long step);

  /** A short description for logs and the run config. */
  String describe();
}
