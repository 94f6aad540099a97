package org.fasterdit.sample;

import java.util.Locale;
import java.util.function.IntConsumer;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.ScalarOptional;
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
  private final int lastTimestep;
  private final boolean ddim;
  private final boolean clip;

  public DdpmSampler(DdpmSchedule full, int steps, boolean ddim, boolean clipX0) {
    this.schedule = full.respaced(steps);
    this.lastTimestep = full.steps - 1;
    this.ddim = ddim;
    this.clip = clipX0;
  }

  /**
   * Path time of an original timestep for the guidance interval: 1 = data (timestep 0), 0 = noise
   * (the last timestep of the full schedule, whatever its length).
   */
  double pathTime(int timestep) {
    return 1 - timestep / (double) lastTimestep;
  }

  public Tensor sample(
      DiT model, Tensor noise, Tensor y, Guidance g, HostRandom rng, IntConsumer onStep) {
    return sample(Denoiser.of(model, y, g), noise, rng::gaussian, (k, t, x) -> onStep.accept(k));
  }

  /**
   * @param noise (N, C, H, W) standard normal, the state at the last timestep
   * @param z the per-step noise of ancestral sampling (unused by DDIM)
   */
  public Tensor sample(Denoiser net, Tensor noise, StepNoise z, StepObserver onStep) {
    Device d = noise.device();
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
          Tensor t = HostRandom.onDevice(Tensors.ofFloats(tf, n), d);
          Tensor out = net.predict(x, t, pathTime(schedule.timestepMap[i]));
          Tensor next;
          if (out.size(1) == 2 * c) {
            Tensor[] mv = post.modelMeanLogVar(out, x, idx, clip, d);
            next = ddim ? ddimStep(post, x, mv[2], idx, d) : ancestral(mv[0], mv[1], i, z, d);
          } else {
            // fixed-variance model (epsilon only): use the posterior variance
            Tensor x0 = post.predictX0(x, out, idx, d);
            if (clip)
              x0 =
                  x0.clamp(
                      new ScalarOptional(Scalars.of(-1.0)), new ScalarOptional(Scalars.of(1.0)));
            Tensor[] tm = post.trueMeanLogVar(x0, x, idx, d);
            next = ddim ? ddimStep(post, x, x0, idx, d) : ancestral(tm[0], tm[1], i, z, d);
          }
          x = NativeScope.swap(x, next);
          onStep.after(schedule.steps - i, schedule.timestepMap[i], x);
        }
      }
    }
    return NativeScope.handBack(x);
  }

  private static Tensor ancestral(Tensor mean, Tensor logVar, int i, StepNoise z, Device d) {
    if (i == 0) return mean;
    Tensor e = z.draw(d, mean.size(0), mean.size(1), mean.size(2), mean.size(3));
    return mean.add(logVar.mul(Scalars.of(0.5)).exp().mul(e));
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
