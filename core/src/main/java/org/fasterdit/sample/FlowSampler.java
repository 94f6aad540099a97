package org.fasterdit.sample;

import java.util.Locale;
import java.util.function.IntConsumer;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.fasterdit.diffusion.FlowPath;
import org.fasterdit.diffusion.Prediction;
import org.fasterdit.model.DiT;
import org.fasterdit.torch.HostRandom;
import org.fasterdit.torch.NativeScope;
import org.fasterdit.torch.NoGrad;
import org.fasterdit.torch.Scalars;
import org.fasterdit.torch.Tensors;

/**
 * Samplers for flow models, integrating dx/dt = v(x, t) from noise (t = 0) to data (t = 1):
 * fixed-step Euler and Heun, adaptive Dormand-Prince 5(4) ("dopri5"), and the SDE with
 * Euler-Maruyama (diffusion coefficient sigma_t, last step a plain mean step of size 0.04 as SiT
 * does). Noise- and score-predicting models are converted to velocity. An optional time shift s > 1
 * spends more steps near the noise end: 1 - t' = s(1 - t) / (1 + (s - 1)(1 - t)).
 */
public final class FlowSampler {
  public enum Method {
    EULER,
    HEUN,
    DOPRI5,
    SDE
  }

  private final FlowPath path;
  private final Prediction prediction;
  private final Method method;
  private final int steps;
  private final double shift, atol, rtol;

  public FlowSampler(
      FlowPath path,
      Prediction prediction,
      Method method,
      int steps,
      double shift,
      double atol,
      double rtol) {
    if (steps < 1) throw new IllegalArgumentException("sampling steps must be >= 1, got " + steps);
    if (!(shift > 0)) throw new IllegalArgumentException("time shift must be > 0, got " + shift);
    this.path = path;
    this.prediction = prediction;
    this.method = method;
    this.steps = steps;
    this.shift = shift;
    this.atol = atol;
    this.rtol = rtol;
  }

  public static Method parseMethod(String s) {
    return switch (s.trim().toLowerCase(Locale.ROOT)) {
      case "euler", "ode-euler" -> Method.EULER;
      case "heun", "ode-heun" -> Method.HEUN;
      case "dopri5", "ode-dopri5", "ode" -> Method.DOPRI5;
      case "sde", "sde-euler", "euler-maruyama" -> Method.SDE;
      default ->
          throw new IllegalArgumentException(
              "unknown flow sampler '" + s + "': expected euler, heun, dopri5 or sde");
    };
  }

  private double shifted(double t) {
    if (shift == 1) return t;
    double u = 1 - t;
    return 1 - shift * u / (1 + (shift - 1) * u);
  }

  /** Velocity at (x, t) from whatever the model predicts. */
  private Tensor velocity(Denoiser net, Tensor x, double t) {
    long n = x.size(0), c = x.size(1);
    float[] tf = new float[(int) n];
    java.util.Arrays.fill(tf, (float) t);
    Tensor out = net.predict(x, HostRandom.onDevice(Tensors.ofFloats(tf, n), x.device()), t);
    if (out.size(1) != c) out = out.narrow(1, 0, c);
    if (prediction == Prediction.VELOCITY) return out;
    double a = path.alpha(t), s = path.sigma(t), da = path.dAlpha(t), ds = path.dSigma(t);
    Tensor eps =
        prediction == Prediction.NOISE ? out : out.mul(Scalars.of(-s)); // score = -eps / sigma
    // x = (x_t - s eps) / a, v = da x + ds eps
    return x.sub(eps.mul(Scalars.of(s))).mul(Scalars.of(da / a)).add(eps.mul(Scalars.of(ds)));
  }

  /**
   * @param noise (N, C, H, W) standard normal, the starting point at t = 0
   * @param rng the stream for SDE noise (unused by ODE methods)
   * @param onStep called after each step with the number of model evaluations so far
   */
  public Tensor sample(
      DiT model, Tensor noise, Tensor y, Guidance g, HostRandom rng, IntConsumer onStep) {
    return sample(Denoiser.of(model, y, g), noise, rng::gaussian, (k, t, x) -> onStep.accept(k));
  }

  /**
   * @param noise (N, C, H, W) standard normal, the starting point at t = 0
   * @param z the SDE's per-step noise (unused by ODE methods)
   */
  public Tensor sample(Denoiser net, Tensor noise, StepNoise z, StepObserver onStep) {
    double[] lohi = path.interval(prediction);
    try (var ng = NoGrad.on()) {
      return switch (method) {
        case EULER, HEUN -> fixed(net, noise, lohi, onStep);
        case DOPRI5 ->
            new Dopri5((x, t) -> velocity(net, x, t), atol, rtol)
                .integrate(noise, lohi[0], lohi[1], onStep);
        case SDE -> sde(net, noise, lohi, z, onStep);
      };
    }
  }

  private Tensor fixed(Denoiser net, Tensor x, double[] lohi, StepObserver onStep) {
    int evals = 0;
    x = NativeScope.retain(x.clone());
    for (int i = 0; i < steps; i++) {
      double t0 = shifted(lohi[0] + (lohi[1] - lohi[0]) * i / steps);
      double t1 = shifted(lohi[0] + (lohi[1] - lohi[0]) * (i + 1) / steps);
      double h = t1 - t0;
      try (var scope =
          NativeScope.open()) { // one scope per step: a forward's activations die with it
        Tensor v0 = velocity(net, x, t0);
        evals++;
        Tensor next = x.add(v0.mul(Scalars.of(h)));
        if (method == Method.HEUN && i < steps - 1) {
          Tensor v1 = velocity(net, next, t1);
          evals++;
          next = x.add(v0.add(v1).mul(Scalars.of(h / 2)));
        }
        x = NativeScope.swap(x, next);
        onStep.after(evals, t1, x);
      }
    }
    return NativeScope.handBack(x);
  }

  /**
   * Euler-Maruyama on dx = [v + w/2 score] dt + sqrt(w) dW with w = sigma_t; the last stretch is a
   * mean step.
   */
  private Tensor sde(Denoiser net, Tensor x, double[] lohi, StepNoise z, StepObserver onStep) {
    double last = 0.04, lo = lohi[0], hi = Math.min(lohi[1], 1 - last);
    Device d = x.device();
    x = NativeScope.retain(x.clone());
    for (int i = 0; i < steps; i++) {
      double t = shifted(lo + (hi - lo) * i / steps),
          tn = shifted(lo + (hi - lo) * (i + 1) / steps),
          h = tn - t;
      try (var scope = NativeScope.open()) {
        Tensor v = velocity(net, x, t);
        double a = path.alpha(t),
            s = path.sigma(t),
            da = path.dAlpha(t),
            ds = path.dSigma(t),
            w = s;
        // eps from (x_t, v): x_t = a x0 + s eps, v = da x0 + ds eps
        //   =>  eps = (a v - da x_t) / (a ds - da s)
        Tensor eps =
            v.mul(Scalars.of(a)).sub(x.mul(Scalars.of(da))).div(Scalars.of(a * ds - da * s));
        Tensor score = eps.div(Scalars.of(-s));
        Tensor drift = v.add(score.mul(Scalars.of(w / 2)));
        Tensor dw =
            z.draw(d, x.size(0), x.size(1), x.size(2), x.size(3))
                .mul(Scalars.of(Math.sqrt(Math.abs(h))));
        x =
            NativeScope.swap(
                x, x.add(drift.mul(Scalars.of(h))).add(dw.mul(Scalars.of(Math.sqrt(w)))));
        onStep.after(i + 1, tn, x);
      }
    }
    try (var scope = NativeScope.open()) {
      Tensor v = velocity(net, x, hi);
      x = NativeScope.swap(x, x.add(v.mul(Scalars.of(lohi[1] - hi))));
      onStep.after(steps + 1, lohi[1], x);
    }
    return NativeScope.handBack(x);
  }

  @Override
  public String toString() {
    return String.format(
        Locale.ROOT,
        "%s(steps=%d%s)",
        method.name().toLowerCase(Locale.ROOT),
        steps,
        shift == 1 ? "" : ", shift=" + shift);
  }
}
