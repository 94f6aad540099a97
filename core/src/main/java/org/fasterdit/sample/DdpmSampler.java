package org.fasterdit.sample;

import java.util.Locale;
import java.util.function.IntConsumer;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.fasterdit.diffusion.DdpmPosterior;
import org.fasterdit.diffusion.DdpmSchedule;
import org.fasterdit.model.DiT;
import org.fasterdit.torch.HostRandom;
import org.fasterdit.torch.NativeScope;
import org.fasterdit.torch.NoGrad;
import org.fasterdit.torch.Scalars;
import org.fasterdit.torch.Tensors;

/**
 * Samplers for DDPM models: ancestral sampling with the learned variance (DiT's default, 250
 * respaced steps) and deterministic DDIM (eta = 0). The model sees the original timestep index of
 * each respaced step.
 */
public final class DdpmSampler {
  private final DdpmSchedule schedule;
  private final boolean ddim;
  private final boolean clip;

  public DdpmSampler(DdpmSchedule full, int steps, boolean ddim, boolean clipX0) {
    this.schedule = full.respaced(steps);
    this.ddim = ddim;
    this.clip = clipX0;
  }

  public Tensor sample(
      DiT model, Tensor noise, Tensor y, Guidance g, HostRandom rng, IntConsumer onStep) {
    Device d = model.device();
    DdpmPosterior post = new DdpmPosterior(schedule);
    int n = (int) noise.size(0);
    long c = noise.size(1);
    Tensor x = NativeScope.retain(noise.clone());
    try (var ng = NoGrad.on()) {
      for (int i = schedule.steps - 1; i >= 0; i--) {
        try (var scope = NativeScope.open()) {
          int[] idx = new int[n];
          float[] tf = new float[n];
          java.util.Arrays.fill(idx, i);
          java.util.Arrays.fill(tf, schedule.timestepMap[i]);
          // path time for the guidance interval: 1 = data, 0 = noise, as for flow models
          double pathTime = 1 - schedule.timestepMap[i] / 999.0;
          Tensor out =
              g.predict(model, x, HostRandom.onDevice(Tensors.ofFloats(tf, n), d), y, pathTime);
          Tensor next;
          if (out.size(1) == 2 * c) {
            Tensor[] mv = post.modelMeanLogVar(out, x, idx, clip, d);
            next = ddim ? ddimStep(post, x, mv[2], idx, d) : ancestral(mv[0], mv[1], i, rng, d);
          } else {
            // fixed-variance model (epsilon only): use the posterior variance
            Tensor x0 = post.predictX0(x, out, idx, d);
            if (clip)
              x0 =
                  x0.clamp(
                      new org.bytedeco.pytorch.ScalarOptional(Scalars.of(-1.0)),
                      new org.bytedeco.pytorch.ScalarOptional(Scalars.of(1.0)));
            Tensor[] tm = post.trueMeanLogVar(x0, x, idx, d);
            next = ddim ? ddimStep(post, x, x0, idx, d) : ancestral(tm[0], tm[1], i, rng, d);
          }
          x = NativeScope.swap(x, next);
          onStep.accept(schedule.steps - i);
        }
      }
    }
    return NativeScope.handBack(x);
  }

  private static Tensor ancestral(Tensor mean, Tensor logVar, int i, HostRandom rng, Device d) {
    if (i == 0) return mean;
    Tensor z = rng.gaussian(d, mean.size(0), mean.size(1), mean.size(2), mean.size(3));
    return mean.add(logVar.mul(Scalars.of(0.5)).exp().mul(z));
  }

  private Tensor ddimStep(DdpmPosterior post, Tensor x, Tensor x0, int[] idx, Device d) {
    Tensor eps = post.epsFromX0(x, x0, idx, d);
    double prev = schedule.abarPrev[idx[0]];
    return x0.mul(Scalars.of(Math.sqrt(prev))).add(eps.mul(Scalars.of(Math.sqrt(1 - prev))));
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "%s(steps=%d)", ddim ? "ddim" : "ddpm", schedule.steps);
  }
}
