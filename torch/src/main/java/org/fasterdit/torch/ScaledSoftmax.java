package org.fasterdit.torch;

import java.lang.foreign.MemorySegment;
import org.bytedeco.pytorch.GradMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Attention's softmax(s x) over the last dimension of bf16 scores, with the 1/sqrt(d) scale s
 * folded in, computed in fp32 and rounded to bf16 for the next matmul.
 *
 * <p>LibTorch runs it under bf16 autocast as a multiply of q by s, a cast of the scores to fp32,
 * the softmax in fp32 and a cast back to bf16 for the product with v; backward, the same casts, the
 * softmax backward over fp32 and the multiply. The scores are the largest activations of a DiT
 * block (T x T per head: 4x a block's activations at 256 tokens), so those passes are a visible
 * part of the step (benchmarks/RESULTS.md, session 18). Fused ({@link ScaledSoftmaxKernel}), the
 * forward reads the bf16 scores once and writes the bf16 probabilities over them (nothing else
 * reads the scores: q k^T's backward keeps q and k), and the backward is one pass over the bf16
 * probabilities and their gradient. The result is a view of the scores that {@link FusedBackward}
 * hooks; its backward (a view's, free) passes on what the hook returns.
 *
 * <p>One difference from autocast's softmax: the backward reads the probabilities as the forward
 * rounded them to bf16 (autocast keeps them in fp32), which adds up to one bf16 rounding to dL/dx,
 * itself rounded to bf16 (ScaledSoftmaxTest).
 *
 * <p>Fused where {@link GeluTanh#FUSED} holds, on contiguous bf16 CPU scores whose rows are a whole
 * number of vectors, on threads whose ATen pool has one thread (the step workers), and with a
 * backward only inside a {@link FusedBackward.Scope}; anywhere else LibTorch's ops run.
 */
public final class ScaledSoftmax {
  private ScaledSoftmax() {}

  /**
   * Whether {@link #applyConsuming} fuses for rows of {@code rowLength} here, so that the caller
   * can keep the scale on q (the cheaper place for LibTorch's ops) when it will not.
   */
  public static boolean fusesFor(long rowLength, boolean needsGrad) {
    return GeluTanh.FUSED
        && rowLength % ScaledSoftmaxKernel.lanes() == 0
        && torch.get_num_threads() == 1
        && (!needsGrad || FusedBackward.recording());
  }

  /**
   * softmax(scale * scores) over the last dimension. {@code scores} is consumed: pass a tensor
   * nobody else reads (q k^T's fresh output); fused, its memory holds the result.
   */
  public static Tensor applyConsuming(Tensor scores, double scale) {
    boolean needsGrad = GradMode.is_enabled() && scores.requires_grad();
    if (!(fusesFor(scores.size(-1), needsGrad)
        && scores.device().is_cpu()
        && scores.scalar_type().intern() == ScalarType.BFloat16
        && scores.is_contiguous())) return scores.mul(Scalars.of(scale)).softmax(-1);
    int n = (int) scores.size(-1);
    long rows = scores.numel() / n;
    float s = (float) scale;
    Tensor p = scores.view_as(scores);
    if (needsGrad) FusedBackward.record(p, new Gradient(p, rows, n, s));
    MemorySegment memory = segment(scores);
    ScaledSoftmaxKernel.forward(memory, memory, rows, n, s, new float[n]);
    return p;
  }

  /**
   * Compiles the fused loops before the first step, as {@link GeluTanh#warmUp} does for its own and
   * for the same reason; later calls return at once. Returns whether they were seen compiled within
   * the time limit.
   */
  public static synchronized boolean warmUp() {
    if (!GeluTanh.FUSED || warmUpTried) return warmedUp;
    warmUpTried = true;
    warmedUp = ScaledSoftmaxKernel.warmUp(System.nanoTime() + VectorWarmUp.LIMIT_NS);
    System.gc(); // a full collection shrinks the heap back to what is live
    return warmedUp;
  }

  private static boolean warmUpTried, warmedUp;

  /** The memory of a contiguous CPU tensor. */
  private static MemorySegment segment(Tensor t) {
    return MemorySegment.ofAddress(t.data_ptr().address()).reinterpret(t.nbytes());
  }

  /** The hook on the result: dL/dscores from the bf16 probabilities and dL/dp. */
  private static final class Gradient implements FusedBackward.Pending {
    private final Tensor p;
    private final long rows;
    private final int n;
    private final float scale;

    Gradient(Tensor p, long rows, int n, float scale) {
      this.p = NativeScope.retain(p);
      this.rows = rows;
      this.n = n;
      this.scale = scale;
    }

    @Override
    public Tensor backward(Tensor grad) {
      Tensor g = grad.contiguous();
      Tensor gx = torch.empty_like(g);
      ScaledSoftmaxKernel.backward(segment(p), segment(g), segment(gx), rows, n, scale);
      return gx;
    }

    @Override
    public void release() {
      NativeScope.release(p);
    }
  }
}
