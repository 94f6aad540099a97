package org.fasterdit.sample;

import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;

/**
 * Where a stochastic sampler's per-step standard normals come from, in the order the steps use
 * them. Normally a seeded {@code HostRandom::gaussian}; a test injects stored draws so that our
 * sampler and the Python reference follow the same trajectory.
 */
@FunctionalInterface
public interface StepNoise {
  Tensor draw(Device device, long... shape);
}
