package org.fasterdit.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.fasterdit.model.Params;
import org.fasterdit.torch.NativeScope;

/**
 * One low-precision copy of the model's linear and conv parameters per step, shared by the step
 * workers. Why: under autocast each worker casts every one of those parameters (33M in DiT-S/2) to
 * bf16 on its own, and its backward casts every bf16 gradient back to fp32 ({@code
 * ToCopyBackward0}) before the workers' gradients are summed. With the copies made once before the
 * workers start, as leaves that require grad, autocast finds those operands in bf16 already and
 * casts nothing; the workers return bf16 gradients, which the sum widens to fp32 as it adds them.
 * The result is bit for bit the same: autocast's cast and its backward are the same conversions of
 * the same values, only made fewer times.
 */
final class SharedCasts implements AutoCloseable {
  private final Params params;
  private final List<Tensor> copies; // released on close

  private SharedCasts(Params params, List<Tensor> copies) {
    this.params = params;
    this.copies = copies;
  }

  /**
   * Casts {@code params}' matmul operands to {@code dtype} (the passes split the work) and makes
   * the model's forward use the copies until {@link #close}.
   */
  static SharedCasts make(Params params, ScalarType dtype, ParameterPasses passes) {
    List<Tensor> operands = params.matmulOperands();
    Tensor[] cast = new Tensor[operands.size()];
    passes.run(
        operands,
        (lo, hi) -> {
          for (int i = lo; i < hi; i++) {
            Tensor c = NativeScope.retain(operands.get(i).detach().to(dtype));
            c.requires_grad_(true); // a leaf of each worker's graph: its gradient is returned
            cast[i] = c;
          }
        });
    Map<Tensor, Tensor> byParameter = new IdentityHashMap<>();
    for (int i = 0; i < cast.length; i++) byParameter.put(operands.get(i), cast[i]);
    params.useStandIns(byParameter);
    return new SharedCasts(params, new ArrayList<>(Arrays.asList(cast)));
  }

  /** What the forward uses in place of each of {@code trainable}: its copy, or the parameter. */
  List<Tensor> inUse(List<Tensor> trainable) {
    return trainable.stream().map(params::inUse).toList();
  }

  @Override
  public void close() {
    params.useStandIns(Map.of());
    copies.forEach(NativeScope::release);
    copies.clear();
  }
}
