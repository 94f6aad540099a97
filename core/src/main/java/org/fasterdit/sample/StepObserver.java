package org.fasterdit.sample;

import org.bytedeco.pytorch.Tensor;

/** Called after each accepted sampler step; {@code x} is only valid during the call. */
@FunctionalInterface
public interface StepObserver {
  /**
   * @param evaluations network evaluations so far
   * @param time for flow samplers the path time the step ended at; for DDPM the original timestep
   *     the step started from (the one the model saw)
   */
  void after(int evaluations, double time, Tensor x);
}
