package org.fasterdit.diffusion;

import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.fasterdit.torch.Scalars;

/**
 * The tensor formulas of DDPM with an epsilon-predicting, learned-range-variance model (Nichol and
 * Dhariwal 2021, as used by DiT): q(x_t | x_0), the model's p(x_{t-1} | x_t), the KL between
 * Gaussians and the discretised decoder likelihood. {@code idx} are indices into {@code schedule}
 * (respaced or not).
 */
public final class DdpmPosterior {
  private final DdpmSchedule s;

  public DdpmPosterior(DdpmSchedule schedule) {
    this.s = schedule;
  }

  public DdpmSchedule schedule() {
    return s;
  }

  static double[] pick(double[] table, int[] idx) {
    double[] v = new double[idx.length];
    for (int i = 0; i < idx.length; i++) v[i] = table[idx[i]];
    return v;
  }

  private static Tensor col(double[] table, int[] idx, Device d) {
    return Coefficients.column(pick(table, idx), d);
  }

  public Tensor qSample(Tensor x0, Tensor eps, int[] idx, Device d) {
    return x0.mul(col(s.sqrtAbar, idx, d)).add(eps.mul(col(s.sqrtOneMinusAbar, idx, d)));
  }

  /** Mean and log variance of q(x_{t-1} | x_t, x_0). */
  public Tensor[] trueMeanLogVar(Tensor x0, Tensor xt, int[] idx, Device d) {
    Tensor mean =
        x0.mul(col(s.posteriorMeanCoef1, idx, d)).add(xt.mul(col(s.posteriorMeanCoef2, idx, d)));
    Tensor logVar = col(s.posteriorLogVarianceClipped, idx, d).expand_as(xt);
    return new Tensor[] {mean, logVar};
  }

  /**
   * p(x_{t-1} | x_t) from a model output of 2C channels: eps then v in [-1, 1], whose (v + 1) / 2
   * interpolates the log variance between the clipped posterior variance and beta_t.
   *
   * @return {mean, logVar, predictedX0}
   */
  public Tensor[] modelMeanLogVar(Tensor out, Tensor xt, int[] idx, boolean clipX0, Device d) {
    long c = xt.size(1);
    TensorVector parts = out.split(c, 1);
    Tensor eps = parts.get(0), v = parts.get(1);
    Tensor frac = v.add(Scalars.of(1.0)).div(Scalars.of(2.0));
    Tensor minLog = col(s.posteriorLogVarianceClipped, idx, d);
    Tensor maxLog = Coefficients.column(logOf(pick(s.betas, idx)), d);
    Tensor logVar = frac.mul(maxLog).add(frac.neg().add(Scalars.of(1.0)).mul(minLog));
    Tensor x0 = predictX0(xt, eps, idx, d);
    if (clipX0)
      x0 =
          x0.clamp(
              new org.bytedeco.pytorch.ScalarOptional(Scalars.of(-1.0)),
              new org.bytedeco.pytorch.ScalarOptional(Scalars.of(1.0)));
    Tensor mean =
        x0.mul(col(s.posteriorMeanCoef1, idx, d)).add(xt.mul(col(s.posteriorMeanCoef2, idx, d)));
    return new Tensor[] {mean, logVar, x0};
  }

  public Tensor predictX0(Tensor xt, Tensor eps, int[] idx, Device d) {
    return xt.mul(col(s.sqrtRecipAbar, idx, d)).sub(eps.mul(col(s.sqrtRecipM1Abar, idx, d)));
  }

  /** Epsilon implied by x_t and a predicted x_0 (for DDIM). */
  public Tensor epsFromX0(Tensor xt, Tensor x0, int[] idx, Device d) {
    return xt.mul(col(s.sqrtRecipAbar, idx, d)).sub(x0).div(col(s.sqrtRecipM1Abar, idx, d));
  }

  private static double[] logOf(double[] v) {
    double[] o = new double[v.length];
    for (int i = 0; i < v.length; i++) o[i] = Math.log(v[i]);
    return o;
  }

  /** KL(N(m1, e^lv1) || N(m2, e^lv2)) elementwise, in nats. */
  public static Tensor normalKl(Tensor m1, Tensor lv1, Tensor m2, Tensor lv2) {
    Tensor t = lv2.sub(lv1).add(lv1.sub(lv2).exp()).add(m1.sub(m2).square().mul(lv2.neg().exp()));
    return t.sub(Scalars.of(1.0)).mul(Scalars.of(0.5));
  }

  /** The tanh approximation of the standard normal CDF that the reference code uses. */
  static Tensor approxStdNormalCdf(Tensor x) {
    Tensor inner =
        x.add(x.pow(Scalars.of(3.0)).mul(Scalars.of(0.044715)))
            .mul(Scalars.of(Math.sqrt(2.0 / Math.PI)));
    return inner.tanh().add(Scalars.of(1.0)).mul(Scalars.of(0.5));
  }

  /**
   * Log-likelihood of data in [-1, 1] quantised to 256 levels under N(mean, e^(2 logScale)),
   * elementwise, in nats; the edge bins extend to infinity.
   */
  public static Tensor discretizedGaussianLogLikelihood(Tensor x, Tensor mean, Tensor logScale) {
    Tensor centered = x.sub(mean);
    Tensor invStd = logScale.neg().exp();
    Tensor cdfPlus = approxStdNormalCdf(invStd.mul(centered.add(Scalars.of(1.0 / 255))));
    Tensor cdfMin = approxStdNormalCdf(invStd.mul(centered.sub(Scalars.of(1.0 / 255))));
    var floor = new org.bytedeco.pytorch.ScalarOptional(Scalars.of(1e-12));
    Tensor logCdfPlus = cdfPlus.clamp(floor).log();
    Tensor logOneMinusCdfMin = cdfMin.neg().add(Scalars.of(1.0)).clamp(floor).log();
    Tensor logDelta = cdfPlus.sub(cdfMin).clamp(floor).log();
    Tensor hi = torch.where(x.gt(Scalars.of(0.999)), logOneMinusCdfMin, logDelta);
    return torch.where(x.lt(Scalars.of(-0.999)), logCdfPlus, hi);
  }
}
