package org.fasterdit.torch;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The gradient of a linear layer's bias when a fused pass after the matmul adds the bias: the
 * pass's backward sums dL/dy over the rows into an fp32 buffer, and a hook on a view of the bias
 * returns that sum. The view is read by nothing but {@link FusedBackward#reach}'s zero in the loss,
 * so the backward reaches it after every op recorded after it, the fused pass among them. What it
 * saves: LibTorch's linear copies the bias into the matmul's output, and its backward sums the
 * output's gradient over the rows, a pass over an activation each.
 */
final class BiasGradient implements FusedBackward.Pending {
  private final Tensor sums;

  private BiasGradient(Tensor bias) {
    this.sums = NativeScope.retain(torch.zeros(bias.size(0)));
  }

  /**
   * Records the hook for {@code bias} (1-D, requiring grad); returns the fp32 buffer, zeros, that
   * the fused backward adds dL/dbias into. Call before recording the fused op.
   */
  static Tensor record(Tensor bias) {
    BiasGradient g = new BiasGradient(bias);
    Tensor view = bias.view_as(bias); // a view made for the hook: on bias itself it would stay
    FusedBackward.record(view, g);
    FusedBackward.reach(view);
    return g.sums;
  }

  /** The gradient arriving (zeros: nothing else reads the view) plus the sums, in its dtype. */
  @Override
  public Tensor backward(Tensor grad) {
    return grad.add(sums.to(grad.scalar_type().intern()));
  }

  @Override
  public void release() {
    NativeScope.release(sums);
  }
}
