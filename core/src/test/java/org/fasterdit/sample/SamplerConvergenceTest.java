package org.fasterdit.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.fasterdit.diffusion.DdpmSchedule;
import org.fasterdit.diffusion.FlowPath;
import org.fasterdit.diffusion.Prediction;
import org.fasterdit.torch.HostRandom;
import org.fasterdit.torch.NativeScope;
import org.fasterdit.torch.Scalars;
import org.fasterdit.torch.Tensors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The samplers on problems whose exact answer is known: an ODE with a closed-form solution (Euler
 * converges with order 1, Heun with order 2, dopri5 to its tolerance), and Gaussian data, whose
 * exact velocity, noise prediction and score are closed-form, so every sampler must reproduce its
 * mean and standard deviation.
 */
class SamplerConvergenceTest {
  static final double MU = 0.7, SD = 0.3;
  NativeScope scope;

  @BeforeEach
  void open() {
    scope = NativeScope.open();
  }

  @AfterEach
  void close() {
    scope.close();
  }

  /** dx/dt = (1 + t) x, so x(1) = x(0) e^1.5. */
  static final Denoiser GROWTH = (x, t, pathTime) -> x.mul(Scalars.of(1 + pathTime));

  static Tensor start() {
    return HostRandom.of(3).gaussian(new org.bytedeco.pytorch.Device("cpu"), 4, 1, 2, 2);
  }

  static double odeError(FlowSampler.Method m, int steps, double atol, double rtol) {
    Tensor x0 = start();
    var s = new FlowSampler(FlowPath.LINEAR, Prediction.VELOCITY, m, steps, 1.0, atol, rtol);
    Tensor x1 = s.sample(GROWTH, x0, (d, shape) -> null, (k, t, x) -> {});
    float[] got = Tensors.toFloats(x1), from = Tensors.toFloats(x0);
    double err = 0;
    for (int i = 0; i < got.length; i++) {
      err = Math.max(err, Math.abs(got[i] - from[i] * Math.exp(1.5)) / Math.abs(from[i]));
    }
    return err;
  }

  @Test
  void eulerIsFirstOrderAndHeunSecondOrder() {
    for (int n : new int[] {16, 32}) {
      double euler =
          odeError(FlowSampler.Method.EULER, n, 1e-6, 1e-3)
              / odeError(FlowSampler.Method.EULER, 2 * n, 1e-6, 1e-3);
      double heun =
          odeError(FlowSampler.Method.HEUN, n, 1e-6, 1e-3)
              / odeError(FlowSampler.Method.HEUN, 2 * n, 1e-6, 1e-3);
      System.out.printf(
          "n=%d: error ratio when halving the step: euler %.3f heun %.3f%n", n, euler, heun);
      assertEquals(2, euler, 0.2, "Euler error should halve with the step");
      assertEquals(4, heun, 0.4, "Heun error should quarter with the step");
    }
  }

  @Test
  void dopri5ReachesItsToleranceAndCountsEveryEvaluation() {
    double loose = odeError(FlowSampler.Method.DOPRI5, 1, 1e-3, 1e-2);
    double tight = odeError(FlowSampler.Method.DOPRI5, 1, 1e-7, 1e-6);
    System.out.printf("dopri5 relative error: rtol 1e-2 %.2e, rtol 1e-6 %.2e%n", loose, tight);
    assertTrue(loose < 1e-2, "loose " + loose);
    assertTrue(tight < 1e-5 && tight < loose, "tight " + tight + " vs loose " + loose);

    int[] calls = {0};
    int[] reported = {0};
    Denoiser counting =
        (x, t, p) -> {
          calls[0]++;
          return GROWTH.predict(x, t, p);
        };
    new FlowSampler(
            FlowPath.LINEAR, Prediction.VELOCITY, FlowSampler.Method.DOPRI5, 1, 1, 1e-7, 1e-6)
        .sample(counting, start(), (d, s) -> null, (k, t, x) -> reported[0] = k);
    assertTrue(calls[0] > 7, "several steps expected, got " + calls[0] + " evaluations");
    assertEquals(calls[0], reported[0], "reported evaluations = network calls");
    assertEquals(0, (calls[0] - 1) % 6, "one start evaluation, then six per step: " + calls[0]);
  }

  // ------------------------------------------------------------------ Gaussian data N(MU, SD^2)

  /** Exact velocity E[x - eps | x_t] on the linear path x_t = t x + (1 - t) eps. */
  static final Denoiser GAUSSIAN_VELOCITY =
      (x, t, p) -> {
        double var = p * p * SD * SD + (1 - p) * (1 - p);
        Tensor centred = x.sub(Scalars.of(p * MU));
        return centred.mul(Scalars.of((p * SD * SD - (1 - p)) / var)).add(Scalars.of(MU));
      };

  static Denoiser gaussianEpsilon(DdpmSchedule full) {
    return (x, t, p) -> {
      double abar = full.abar[Math.round(Tensors.toFloats(t)[0])];
      double var = abar * SD * SD + 1 - abar;
      return x.sub(Scalars.of(Math.sqrt(abar) * MU)).mul(Scalars.of(Math.sqrt(1 - abar) / var));
    };
  }

  /**
   * Exact noise prediction and, in the second half, the exact reverse variance of Gaussian data
   * coded as DiT's learned range: Var(x_{t-1} | x_t) = posterior variance + coef1^2 Var(x_0 | x_t).
   */
  static Denoiser gaussianEpsilonAndVariance(DdpmSchedule full, int steps) {
    DdpmSchedule r = full.respaced(steps);
    Denoiser eps = gaussianEpsilon(full);
    return (x, t, p) -> {
      int ts = Math.round(Tensors.toFloats(t)[0]), i = 0;
      while (r.timestepMap[i] != ts) i++;
      double abar = r.abar[i];
      double var0 = SD * SD * (1 - abar) / (abar * SD * SD + 1 - abar);
      double var =
          r.posteriorVariance[i] + r.posteriorMeanCoef1[i] * r.posteriorMeanCoef1[i] * var0;
      double lo = r.posteriorLogVarianceClipped[i], hi = Math.log(r.betas[i]);
      double v = i == 0 ? 0 : 2 * (Math.log(var) - lo) / (hi - lo) - 1;
      Tensor e = eps.predict(x, t, p);
      return org.bytedeco.pytorch.global.torch.cat(
          new org.bytedeco.pytorch.TensorVector(e, e.mul(Scalars.of(0)).add(Scalars.of(v))), 1);
    };
  }

  static Tensor noise(int seed) {
    return HostRandom.of(seed).gaussian(new org.bytedeco.pytorch.Device("cpu"), 4000, 1, 2, 2);
  }

  static double[] meanStd(Tensor x) {
    float[] v = Tensors.toFloats(x);
    double m = 0, q = 0;
    for (float f : v) m += f;
    m /= v.length;
    for (float f : v) q += (f - m) * (f - m);
    return new double[] {m, Math.sqrt(q / (v.length - 1))};
  }

  static void assertGaussian(String what, Tensor x, double tol) {
    double[] ms = meanStd(x);
    System.out.printf(
        "%-8s mean %.4f (want %.1f), std %.4f (want %.1f)%n", what, ms[0], MU, ms[1], SD);
    assertEquals(MU, ms[0], tol, what + " mean");
    assertEquals(SD, ms[1], tol, what + " std");
  }

  @Test
  void flowSamplersReachTheDataDistribution() {
    HostRandom sdeNoise = HostRandom.of(11);
    record Case(FlowSampler.Method m, int steps) {}
    for (Case c :
        List.of(
            new Case(FlowSampler.Method.EULER, 100),
            new Case(FlowSampler.Method.HEUN, 20),
            new Case(FlowSampler.Method.DOPRI5, 1),
            new Case(FlowSampler.Method.SDE, 250))) {
      var s =
          new FlowSampler(FlowPath.LINEAR, Prediction.VELOCITY, c.m(), c.steps(), 1.0, 1e-6, 1e-3);
      Tensor out = s.sample(GAUSSIAN_VELOCITY, noise(5), sdeNoise::gaussian, (k, t, x) -> {});
      assertGaussian(c.m().name().toLowerCase(), out, 0.01);
    }
  }

  @Test
  void ddpmSamplersReachTheDataDistribution() {
    DdpmSchedule full = DdpmSchedule.of(DdpmSchedule.Kind.LINEAR, 1000);
    HostRandom z = HostRandom.of(12);
    Tensor learned =
        new DdpmSampler(full, 250, false, false)
            .sample(gaussianEpsilonAndVariance(full, 250), noise(6), z::gaussian, (k, t, x) -> {});
    assertGaussian("ddpm", learned, 0.01);
    Tensor ddim =
        new DdpmSampler(full, 250, true, false)
            .sample(gaussianEpsilon(full), noise(6), z::gaussian, (k, t, x) -> {});
    assertGaussian("ddim", ddim, 0.01);
  }

  /** The guidance interval sees path time 0 at the noisiest and 1 at the last step, for any T. */
  @Test
  void ddpmGuidanceIntervalSpansZeroToOneForAnyScheduleLength() {
    for (int total : new int[] {100, 1000}) {
      DdpmSchedule full = DdpmSchedule.of(DdpmSchedule.Kind.LINEAR, total);
      List<Double> seen = new ArrayList<>();
      Denoiser net =
          (x, t, p) -> {
            seen.add(p);
            return gaussianEpsilon(full).predict(x, t, p);
          };
      new DdpmSampler(full, 10, true, false).sample(net, noise(7), (d, s) -> null, (k, t, x) -> {});
      assertEquals(0.0, seen.getFirst(), 1e-12, "T=" + total + ": first step is pure noise");
      assertEquals(1.0, seen.getLast(), 1e-12, "T=" + total + ": last step is data");
    }
  }
}
