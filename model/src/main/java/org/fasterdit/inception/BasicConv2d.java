package org.fasterdit.inception;

import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.fasterdit.torch.NativeScope;

/**
 * torchvision's BasicConv2d: conv (no bias) + BatchNorm (eps 1e-3, running statistics) + ReLU, read
 * from {@code <name>.conv.weight} and {@code <name>.bn.{weight,bias,running_mean,running_var}}.
 *
 * <p>Evaluation only, so the BatchNorm is folded into the conv once at load time: {@code w' = w *
 * g/sqrt(v+eps)}, {@code b' = beta - m * g/sqrt(v+eps)}, computed in float64 and stored in float32.
 * One conv with a bias replaces a conv plus a normalisation pass over every activation; the folded
 * result differs from the unfolded one only by float32 rounding.
 */
final class BasicConv2d implements AutoCloseable {
  static final double BN_EPS = 1e-3;

  private final Tensor weight; // (out, in, kh, kw), BN folded in
  private final Tensor bias; // (out)
  private final long[] stride;
  private final long[] padding;

  private BasicConv2d(Tensor weight, Tensor bias, long[] stride, long[] padding) {
    this.weight = weight;
    this.bias = bias;
    this.stride = stride;
    this.padding = padding;
  }

  /** Square kernel, equal stride and padding on both axes. */
  static BasicConv2d load(InceptionWeights w, String name, int stride, int padding) {
    return load(w, name, new long[] {stride, stride}, new long[] {padding, padding});
  }

  static BasicConv2d load(InceptionWeights w, String name, long[] stride, long[] padding) {
    Device device = w.device();
    try (var scope = NativeScope.open()) {
      Tensor conv = w.tensor(name + ".conv.weight", 4).to(ScalarType.Double);
      Tensor gamma = w.tensor(name + ".bn.weight", 1).to(ScalarType.Double);
      Tensor beta = w.tensor(name + ".bn.bias", 1).to(ScalarType.Double);
      Tensor mean = w.tensor(name + ".bn.running_mean", 1).to(ScalarType.Double);
      Tensor var = w.tensor(name + ".bn.running_var", 1).to(ScalarType.Double);
      long out = conv.size(0);
      w.checkLength(name + ".bn.*", out, gamma, beta, mean, var);
      Tensor scale = gamma.div(var.add(new Scalar(BN_EPS)).sqrt()); // (out)
      Tensor folded = conv.mul(scale.reshape(out, 1, 1, 1));
      Tensor shift = beta.sub(mean.mul(scale));
      Tensor wt = NativeScope.retain(folded.to(device, ScalarType.Float).contiguous());
      Tensor bt = NativeScope.retain(shift.to(device, ScalarType.Float).contiguous());
      return w.track(new BasicConv2d(wt, bt, stride, padding));
    }
  }

  Tensor forward(Tensor x) {
    Tensor y =
        torch.conv2d(x, weight, new TensorOptional(bias), stride, padding, new long[] {1, 1}, 1);
    return torch.relu_(y);
  }

  @Override
  public void close() {
    NativeScope.release(weight);
    NativeScope.release(bias);
  }
}
