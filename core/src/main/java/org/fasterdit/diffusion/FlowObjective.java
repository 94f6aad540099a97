package org.fasterdit.diffusion;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.fasterdit.model.DiT;
import org.fasterdit.torch.HostRandom;
import org.fasterdit.torch.Scalars;

/**
 * Flow matching (SiT; FasterDiT when velocity + logit-normal t + direction loss): x_t = alpha_t x +
 * sigma_t eps, the model predicts the velocity, the noise or the score, and the loss is the
 * per-sample MSE averaged over the batch plus {@code directionWeight} times FasterDiT's direction
 * term: 1 - cosine similarity between prediction and target over the channel dimension, averaged
 * over positions.
 */
public record FlowObjective(
    FlowPath path, Prediction prediction, TimestepSampler sampler, double directionWeight)
    implements Objective {

  @Override
  public LossTerms loss(DiT model, Tensor x, Tensor y, HostRandom[] rngs, long step) {
    Device device = model.device();
    double[] lohi = path.interval(prediction);
    double[] t = new double[rngs.length];
    for (int i = 0; i < t.length; i++) t[i] = sampler.sample(rngs[i], 1, step, lohi[0], lohi[1])[0];
    Tensor eps = HostRandom.gaussian(rngs, device, x.size(1), x.size(2), x.size(3));
    Tensor xt =
        x.mul(Coefficients.column(Coefficients.map(t, path::alpha), device))
            .add(eps.mul(Coefficients.column(Coefficients.map(t, path::sigma), device)));
    Tensor target = target(x, eps, t, device);
    Tensor out = model.forward(xt, Coefficients.vector(t, device), y).to(ScalarType.Float);
    if (out.size(1) != x.size(1))
      out = out.narrow(1, 0, x.size(1)); // a learn_sigma model: SiT ignores the extra half
    return terms(out, target);
  }

  /** The regression target for clean data x, noise eps and times t. */
  public Tensor target(Tensor x, Tensor eps, double[] t, Device device) {
    return switch (prediction) {
      case VELOCITY ->
          x.mul(Coefficients.column(Coefficients.map(t, path::dAlpha), device))
              .add(eps.mul(Coefficients.column(Coefficients.map(t, path::dSigma), device)));
      case NOISE -> eps;
      case SCORE ->
          eps.mul(Coefficients.column(Coefficients.map(t, s -> -1 / path.sigma(s)), device));
    };
  }

  /** MSE and direction terms of a prediction against its target; both (B, C, H, W) float32. */
  public LossTerms terms(Tensor pred, Tensor target) {
    Tensor mse = pred.sub(target).square().mean(1, 2, 3); // (B)
    Tensor cos = torch.cosine_similarity(pred, target, 1, 1e-8); // (B, H, W)
    Tensor direction = cos.neg().add(Scalars.of(1.0)).mean(1, 2); // (B)
    Tensor total = mse.mean();
    if (directionWeight != 0) total = total.add(direction.mean().mul(Scalars.of(directionWeight)));
    Map<String, Tensor> parts = new LinkedHashMap<>();
    parts.put("mse", mse.mean().detach());
    parts.put("direction", direction.mean().detach());
    return new LossTerms(total, parts);
  }

  @Override
  public String describe() {
    return String.format(
        Locale.ROOT,
        "flow(path=%s, prediction=%s, t=%s, direction_weight=%s)",
        path.name().toLowerCase(Locale.ROOT),
        prediction.name().toLowerCase(Locale.ROOT),
        sampler,
        directionWeight);
  }
}
