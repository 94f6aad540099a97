package org.fasterdit.sample;

import org.bytedeco.pytorch.Tensor;
import org.fasterdit.torch.NativeScope;
import org.fasterdit.torch.Scalars;

/**
 * Adaptive Dormand-Prince 5(4) with the standard Butcher tableau, error per element scaled by atol
 * + rtol |x| (RMS norm), step-size control with safety 0.9 and growth bounded to [0.2, 10]: the
 * default ODE solver of SiT.
 */
final class Dopri5 {
  interface Field {
    Tensor at(Tensor x, double t);
  }

  private static final double[] C = {0, 1.0 / 5, 3.0 / 10, 4.0 / 5, 8.0 / 9, 1, 1};
  private static final double[][] A = {
    {},
    {1.0 / 5},
    {3.0 / 40, 9.0 / 40},
    {44.0 / 45, -56.0 / 15, 32.0 / 9},
    {19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729},
    {9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656},
    {35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84}
  };
  private static final double[] B5 = {
    35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84, 0
  };
  private static final double[] B4 = {
    5179.0 / 57600, 0, 7571.0 / 16695, 393.0 / 640, -92097.0 / 339200, 187.0 / 2100, 1.0 / 40
  };

  private final Field f;
  private final double atol, rtol;

  Dopri5(Field f, double atol, double rtol) {
    this.f = f;
    this.atol = atol;
    this.rtol = rtol;
  }

  /**
   * Integrates from t0 to t1. The last stage is evaluated at the accepted 5th-order solution (the
   * tableau's last row equals its weights), so it is reused as the next step's first stage: one
   * evaluation to start, then six per attempted step.
   */
  Tensor integrate(Tensor x, double t0, double t1, StepObserver onStep) {
    double t = t0, h = (t1 - t0) / 20;
    int evals = 0, rejected = 0;
    x = NativeScope.retain(x.clone());
    Tensor first;
    try (var scope = NativeScope.open()) {
      first = NativeScope.retain(f.at(x, t));
    }
    evals++;
    while (t < t1 - 1e-12) {
      h = Math.min(h, t1 - t);
      try (var scope = NativeScope.open()) {
        Tensor[] k = new Tensor[7];
        k[0] = first;
        for (int i = 1; i < 7; i++) {
          Tensor xi = x;
          for (int j = 0; j < i; j++)
            if (A[i][j] != 0) xi = xi.add(k[j].mul(Scalars.of(h * A[i][j])));
          k[i] = f.at(xi, t + C[i] * h);
          evals++;
        }
        Tensor x5 = x, err = null;
        for (int i = 0; i < 7; i++) {
          if (B5[i] != 0) x5 = x5.add(k[i].mul(Scalars.of(h * B5[i])));
          double e = B5[i] - B4[i];
          if (e != 0)
            err = err == null ? k[i].mul(Scalars.of(h * e)) : err.add(k[i].mul(Scalars.of(h * e)));
        }
        Tensor tol = x.abs().maximum(x5.abs()).mul(Scalars.of(rtol)).add(Scalars.of(atol));
        double errNorm = err.div(tol).square().mean().sqrt().item_double();
        if (errNorm <= 1 || h < 1e-6) {
          t += h;
          x = NativeScope.swap(x, x5);
          first = NativeScope.swap(first, k[6]);
          onStep.after(evals, t, x);
        } else {
          rejected++;
        }
        double factor = errNorm == 0 ? 10 : 0.9 * Math.pow(errNorm, -0.2);
        h *= Math.min(10, Math.max(0.2, factor));
        if (rejected > 10_000)
          throw new IllegalStateException("dopri5: step size collapsed; loosen atol/rtol");
      }
    }
    NativeScope.release(first);
    return NativeScope.handBack(x);
  }
}
