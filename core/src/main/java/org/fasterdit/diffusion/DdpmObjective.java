package org.fasterdit.diffusion;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.fasterdit.model.DiT;
import org.fasterdit.torch.HostRandom;
import org.fasterdit.torch.Scalars;
import org.fasterdit.torch.Tensors;

/**
 * The DiT baseline: DDPM with T = 1000 uniform integer timesteps, epsilon prediction and, with a
 * learn_sigma model, the variational bound term that trains the variance: loss = MSE(eps) + VB,
 * where VB is KL(q || p) in bits per dimension with the predicted mean detached (so it only trains
 * the variance), and the decoder NLL at t = 0.
 */
public record DdpmObjective(DdpmSchedule schedule) implements Objective {
  private static final double LN2 = Math.log(2.0);

  @Override
  public LossTerms loss(DiT model, Tensor x, Tensor y, HostRandom[] rngs, long step) {
    int b = rngs.length;
    Device d = model.device();
    int[] idx = new int[b];
    double[] tFloat = new double[b];
    for (int i = 0; i < b; i++) {
      idx[i] = rngs[i].nextInt(schedule.steps);
      tFloat[i] = idx[i];
    }
    Tensor eps = HostRandom.gaussian(rngs, d, x.size(1), x.size(2), x.size(3));
    DdpmPosterior post = new DdpmPosterior(schedule);
    Tensor xt = post.qSample(x, eps, idx, d);
    Tensor out = model.forward(xt, Coefficients.vector(tFloat, d), y).to(ScalarType.Float);
    return terms(out, x, xt, eps, idx, d);
  }

  /** The loss terms for a given model output (exposed for parity tests against the reference). */
  public LossTerms terms(Tensor out, Tensor x, Tensor xt, Tensor eps, int[] idx, Device d) {
    long c = x.size(1);
    boolean learnSigma = out.size(1) == 2 * c;
    Tensor epsPred = learnSigma ? out.narrow(1, 0, c) : out;
    Tensor mse = epsPred.sub(eps).square().mean(1, 2, 3); // (B)
    Map<String, Tensor> parts = new LinkedHashMap<>();
    parts.put("mse", mse.mean().detach());
    Tensor perSample = mse;
    if (learnSigma) {
      Tensor vb = vbTerm(out, x, xt, idx, d);
      parts.put("vb", vb.mean().detach());
      perSample = mse.add(vb);
    }
    return new LossTerms(perSample.mean(), parts);
  }

  /** Per-sample VB term in bits per dimension; gradients reach only the variance channels. */
  public Tensor vbTerm(Tensor out, Tensor x, Tensor xt, int[] idx, Device d) {
    long c = x.size(1);
    TensorVector parts = out.split(c, 1);
    Tensor frozen = torch.cat(new TensorVector(parts.get(0).detach(), parts.get(1)), 1);
    DdpmPosterior post = new DdpmPosterior(schedule);
    Tensor[] truth = post.trueMeanLogVar(x, xt, idx, d);
    Tensor[] model = post.modelMeanLogVar(frozen, xt, idx, false, d);
    Tensor kl =
        DdpmPosterior.normalKl(truth[0], truth[1], model[0], model[1])
            .mean(1, 2, 3)
            .div(Scalars.of(LN2));
    Tensor nll =
        DdpmPosterior.discretizedGaussianLogLikelihood(x, model[0], model[1].mul(Scalars.of(0.5)))
            .neg()
            .mean(1, 2, 3)
            .div(Scalars.of(LN2));
    long[] isZero = new long[idx.length];
    for (int i = 0; i < idx.length; i++) isZero[i] = idx[i] == 0 ? 1 : 0;
    Tensor atZero = Tensors.ofLongs(isZero, idx.length).to(d, ScalarType.Bool);
    return torch.where(atZero, nll, kl);
  }

  @Override
  public String describe() {
    return String.format(
        Locale.ROOT, "ddpm(T=%d, prediction=epsilon, learned sigma with VB)", schedule.steps);
  }
}
