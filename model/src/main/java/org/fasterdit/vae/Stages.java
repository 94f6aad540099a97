package org.fasterdit.vae;

import java.util.List;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Tensor;
import org.fasterdit.torch.NativeScope;

/**
 * Runs a network as a chain of stages, each in its own native scope, and frees every intermediate
 * as soon as the next stage has consumed it. Without this, the activations of every layer of a 256
 * px decode would stay alive until the caller's scope closed (JavaCPP frees tensors by scope, not
 * when they become unreachable), several GB at batch 8.
 */
final class Stages {
  private Stages() {}

  /** The last stage's output, owned by the caller's innermost scope like any other temporary. */
  static Tensor run(Tensor x, List<UnaryOperator<Tensor>> stages) {
    Tensor h = x;
    boolean owned = false; // the caller's x is never released here
    try {
      for (UnaryOperator<Tensor> stage : stages) {
        Tensor next;
        try (var scope = NativeScope.open()) {
          next = NativeScope.retain(stage.apply(h));
        }
        if (owned) NativeScope.release(h);
        h = next;
        owned = true;
      }
    } catch (RuntimeException e) {
      if (owned) NativeScope.release(h);
      throw e;
    }
    return owned ? NativeScope.handBack(h) : h;
  }
}
