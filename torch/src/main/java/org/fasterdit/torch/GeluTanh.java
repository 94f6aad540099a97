package org.fasterdit.torch;

import java.lang.foreign.MemorySegment;
import org.bytedeco.pytorch.GradMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * GELU with the tanh approximation (DiT's MLP activation) whose backward is one multiply.
 * LibTorch's CPU backward evaluates the tanh again from the saved input, so it ran twice per step:
 * 6.6% of a bf16 DiT-S/2 step's CPU time went to GELU (benchmarks/RESULTS.md). Here one vector pass
 * (GeluTanhKernel) writes the activation and its derivative dy/dx; autograd then only multiplies
 * the incoming gradient by the saved derivative. In a {@link FusedBackward.Scope} (the step
 * workers) the activation is written over {@code x} and returned as a view of it whose gradient
 * hook does that multiply; elsewhere the output is recorded as {@code x * dydx} (MulBackward0 saves
 * {@code dydx} alone, since it does not require grad) and the pass then overwrites that product's
 * memory with the activation, which costs the zeroed derivative and the product, two passes more
 * (benchmarks/RESULTS.md, session 18). Without grad it writes the activation over {@code x}.
 *
 * <p>Used for contiguous fp32 and bf16 CPU tensors when the JVM runs with {@code --add-modules
 * jdk.incubator.vector} (the launcher and the build add it), the vectors are at least 8 lanes wide
 * and the calling thread's ATen pool has one thread (the step workers; a wider pool runs LibTorch's
 * parallel kernel faster than this single-thread pass). Anything else runs {@code torch.gelu(x,
 * "tanh")}.
 */
public final class GeluTanh {
  private GeluTanh() {}

  /** Whether the fused pass is available in this JVM (see the class comment). */
  public static final boolean FUSED = vectorModulePresent() && GeluTanhKernel.wideEnough();

  /** For environment reports: which GELU runs and why. */
  public static String describe() {
    if (!vectorModulePresent())
      return "LibTorch's (the fused one needs the JVM flag --add-modules=jdk.incubator.vector)";
    if (!FUSED)
      return "LibTorch's (vectors here are " + GeluTanhKernel.lanes() + " fp32 lanes, under 8)";
    return "fused, forward writes the derivative ("
        + GeluTanhKernel.lanes()
        + " fp32 lanes; on CPU threads with one ATen thread, such as the step workers)";
  }

  /**
   * gelu(x, tanh form). {@code x} is consumed: pass a tensor nobody else reads (a linear layer's
   * fresh output); without grad its memory is reused for the result. The derivative's tensor lives
   * in the calling thread's native scope and in the graph (its MulBackward0 or its hook).
   */
  public static Tensor applyConsuming(Tensor x) {
    if (!usable(x)) return torch.gelu(x, "tanh");
    boolean bf16 = x.scalar_type().intern() == ScalarType.BFloat16;
    long n = x.numel();
    MemorySegment in = Tensors.memoryOf(x);
    if (!(x.requires_grad() && GradMode.is_enabled())) {
      kernel(bf16, in, in, null, n);
      return x;
    }
    if (FusedBackward.recording()) {
      // the activation over x (nothing else reads it), as a view whose hook multiplies the
      // gradient by the derivative: no pass beyond the kernel's
      Tensor dydx = torch.empty_like(x);
      Tensor y = x.view_as(x);
      FusedBackward.record(y, new Derivative(dydx));
      kernel(bf16, in, in, Tensors.memoryOf(dydx), n);
      return y;
    }
    Tensor dydx = torch.zeros_like(x);
    Tensor y = x.mul(dydx);
    kernel(bf16, in, Tensors.memoryOf(y), Tensors.memoryOf(dydx), n);
    return y;
  }

  /**
   * gelu(x W^T + b, tanh form): a linear layer and this activation (DiT's fc1). Under bf16
   * autocast, on a thread whose ATen pool has one thread (the step workers) and inside a {@link
   * FusedBackward.Scope} or without grad, the matmul runs without its bias and the activation's
   * pass adds it in fp32; the backward's pass, which multiplies by the derivative, also sums the
   * bias's gradient ({@link BiasGradient}). That saves LibTorch's copy of the bias into the
   * matmul's output and its sum of the gradient over the rows; the matmul and the bias are then
   * rounded apart, within one bf16 rounding of LibTorch's. Elsewhere {@link #applyConsuming} of
   * LibTorch's linear.
   */
  public static Tensor ofLinear(Tensor x, Tensor weight, Tensor bias) {
    boolean graph =
        GradMode.is_enabled()
            && (x.requires_grad() || weight.requires_grad() || bias.requires_grad());
    boolean bf16 = Autocast.cpuDtype() == ScalarType.BFloat16;
    if (!(FUSED
        && bf16
        && (FusedBackward.recording() || !graph)
        && x.device().is_cpu()
        && bias.defined()
        && bias.dim() == 1
        && bias.device().is_cpu()
        && torch.get_num_threads() == 1))
      return applyConsuming(torch.linear(x, weight, new TensorOptional(bias)));
    Tensor y0 = torch.linear(x, weight, new TensorOptional());
    long cols = y0.size(-1);
    if (!(usable(y0)
        && y0.scalar_type().intern() == ScalarType.BFloat16
        && cols == bias.size(0)
        && cols % GeluTanhKernel.lanes() == 0
        && (!graph || y0.requires_grad()))) return applyConsuming(y0.add(bias));
    Tensor b = bias.detach().to(ScalarType.Float).contiguous();
    MemorySegment in = Tensors.memoryOf(y0);
    if (!graph) {
      GeluTanhKernel.bf16WithBias(in, Tensors.memoryOf(b), (int) cols, in, null, y0.numel());
      return y0;
    }
    // recorded in this order so that the backward runs the bias's hook after the activation's
    Tensor sums = bias.requires_grad() ? BiasGradient.record(bias) : torch.zeros(cols);
    Tensor dydx = torch.empty_like(y0);
    Tensor y = y0.view_as(y0); // the activation over y0, as in applyConsuming
    FusedBackward.record(y, new BiasedDerivative(dydx, sums, (int) cols));
    GeluTanhKernel.bf16WithBias(
        in, Tensors.memoryOf(b), (int) cols, in, Tensors.memoryOf(dydx), y0.numel());
    return y;
  }

  /**
   * The hook on {@link #ofLinear}'s activation: dL/dx = dL/dy dy/dx, and its sum over the rows
   * added into the bias's gradient.
   */
  private record BiasedDerivative(Tensor dydx, Tensor sums, int cols)
      implements FusedBackward.Pending {
    BiasedDerivative {
      NativeScope.retain(dydx);
      NativeScope.retain(sums);
    }

    @Override
    public Tensor backward(Tensor grad) {
      Tensor g = grad.contiguous();
      Tensor gx = torch.empty_like(g);
      GeluTanhKernel.bf16Backward(
          Tensors.memoryOf(g),
          Tensors.memoryOf(dydx),
          Tensors.memoryOf(gx),
          Tensors.memoryOf(sums),
          cols,
          g.numel());
      return gx;
    }

    @Override
    public void release() {
      NativeScope.release(dydx);
      NativeScope.release(sums);
    }
  }

  /** The hook on the activation: dL/dx = dL/dy dy/dx. */
  private record Derivative(Tensor dydx) implements FusedBackward.Pending {
    Derivative {
      NativeScope.retain(dydx);
    }

    @Override
    public Tensor backward(Tensor grad) {
      return grad.mul(dydx);
    }

    @Override
    public void release() {
      NativeScope.release(dydx);
    }
  }

  /**
   * Runs the vector loops on a small scratch buffer until the JIT has compiled them, then collects
   * the garbage and returns the heap. Why: before compilation every vector operation allocates a
   * boxed vector, ~50 MB per call at a step worker's sizes, and the heap grown for that garbage
   * stayed committed for the whole run (peak RSS of a bf16 DiT-S/2 bench 1.65 -> 2.1 GB,
   * benchmarks/RESULTS.md). Call before the first training step; later calls return at once, also
   * after a warm-up that ran out of time. Returns whether the loops were seen compiled (no
   * allocation per call) before the time limit.
   */
  public static boolean warmUp() {
    return FUSED && WARM_UP.run(GeluTanhKernel::warmUp);
  }

  private static final VectorWarmUp.Once WARM_UP = new VectorWarmUp.Once();

  private static boolean usable(Tensor x) {
    if (!FUSED || !x.device().is_cpu() || !x.is_contiguous()) return false;
    ScalarType t = x.scalar_type().intern();
    return (t == ScalarType.Float || t == ScalarType.BFloat16) && torch.get_num_threads() == 1;
  }

  private static void kernel(
      boolean bf16, MemorySegment x, MemorySegment y, MemorySegment dydx, long n) {
    if (bf16) GeluTanhKernel.bf16(x, y, dydx, n);
    else GeluTanhKernel.f32(x, y, dydx, n);
  }

  private static boolean vectorModulePresent() {
    return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
  }
}
