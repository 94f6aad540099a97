package org.fasterdit.model;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Scalar timesteps to vectors: 256 sinusoidal frequencies (max period 10000) concatenated as [cos,
 * sin], then an MLP {@code mlp.0} (256 -> D), SiLU, {@code mlp.2} (D -> D).
 */
final class TimestepEmbedder {
  private final Linear fc1;
  private final Linear fc2;

  TimestepEmbedder(Params p, int hidden) {
    Params mlp = p.child("mlp");
    this.fc1 = new Linear(mlp.child("0"), DiTConfig.FREQUENCY_EMBEDDING_SIZE, hidden);
    this.fc2 = new Linear(mlp.child("2"), hidden, hidden);
  }

  void init(WeightInit init) {
    fc1.initXavier(init);
    fc2.initXavier(init);
    init.normal(fc1.weight, 0.02); // the reference re-draws the t-MLP weights from N(0, 0.02)
    init.normal(fc2.weight, 0.02);
  }

  /**
   * (N) -> (N, 256). Computed in float64: t runs to 1000 in the DiT convention and fp32 would lose
   * ~1e-4 of it.
   */
  static Tensor frequencies(Tensor t) {
    int half = DiTConfig.FREQUENCY_EMBEDDING_SIZE / 2;
    Tensor k =
        torch.arange(
            new org.bytedeco.pytorch.Scalar(half),
            new org.bytedeco.pytorch.TensorOptions(ScalarType.Double)
                .device(new org.bytedeco.pytorch.DeviceOptional(t.device())));
    Tensor freqs =
        k.mul(new org.bytedeco.pytorch.Scalar(-Math.log(10000.0) / half)).exp(); // (half)
    Tensor args = t.to(ScalarType.Double).unsqueeze(1).mul(freqs.unsqueeze(0)); // (N, half)
    TensorVector parts = new TensorVector(args.cos(), args.sin());
    return torch.cat(parts, 1).to(ScalarType.Float); // (N, 256)
  }

  Tensor forward(Tensor t) {
    return fc2.forward(torch.silu(fc1.forward(frequencies(t)))); // (N, D)
  }
}
