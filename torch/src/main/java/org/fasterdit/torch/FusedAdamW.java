package org.fasterdit.torch;

import java.util.List;
import org.bytedeco.pytorch.Dispatcher;
import org.bytedeco.pytorch.GenericList;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.IValueVector;
import org.bytedeco.pytorch.OperatorHandle;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorType;
import org.bytedeco.pytorch.Type;

/**
 * LibTorch's fused AdamW kernel ({@code aten::_fused_adamw_}, the one behind {@code
 * torch.optim.AdamW(fused=True)}), which reads each parameter, gradient and moment once per step
 * instead of once per elementwise op. The JavaCPP presets do not map underscore-prefixed ops, so it
 * is called through the dispatcher with boxed arguments.
 *
 * <p>The math is torch.optim.AdamW's: decoupled weight decay, bias-corrected moments, eps after the
 * square root; the step count is read from {@code step}, which the caller advances before the call
 * (as PyTorch does).
 */
public final class FusedAdamW {
  private FusedAdamW() {}

  private static final class Op {
    // first looked up inside some caller's NativeScope, which would free it on close: retained for
    // the program
    static final OperatorHandle HANDLE =
        NativeScope.retain(Dispatcher.singleton().findSchemaOrThrow("aten::_fused_adamw_", ""));
  }

  /**
   * Updates {@code params}, {@code expAvg} and {@code expAvgSq} in place from {@code grads}; lists
   * of equal length.
   */
  public static void step(
      List<Tensor> params,
      List<Tensor> grads,
      List<Tensor> expAvg,
      List<Tensor> expAvgSq,
      Tensor step,
      double lr,
      double beta1,
      double beta2,
      double weightDecay,
      double eps) {
    int n = params.size();
    if (grads.size() != n || expAvg.size() != n || expAvgSq.size() != n) {
      throw new IllegalArgumentException(
          "fused AdamW needs lists of equal length, got "
              + n
              + ", "
              + grads.size()
              + ", "
              + expAvg.size()
              + ", "
              + expAvgSq.size());
    }
    GenericList steps = tensorList();
    for (int i = 0; i < n; i++)
      steps.push_back(new IValue(step)); // one step count shared by every parameter
    IValueVector stack =
        new IValueVector(
            list(params),
            list(grads),
            list(expAvg),
            list(expAvgSq),
            new IValue(tensorList()),
            new IValue(steps),
            new IValue(lr),
            new IValue(beta1),
            new IValue(beta2),
            new IValue(weightDecay),
            new IValue(eps),
            new IValue(false) /* amsgrad */,
            new IValue(false) /* maximize */,
            new IValue() /* grad_scale */,
            new IValue() /* found_inf */);
    Dispatcher.singleton().callBoxed(Op.HANDLE, stack);
  }

  private static GenericList tensorList() {
    return new GenericList(new Type.TypePtr(TensorType.get()));
  }

  private static IValue list(List<Tensor> tensors) {
    GenericList l = tensorList();
    l.reserve(tensors.size());
    for (Tensor t : tensors) l.push_back(new IValue(t));
    return new IValue(l);
  }
}
