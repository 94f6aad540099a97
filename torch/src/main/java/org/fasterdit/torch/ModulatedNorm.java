package org.fasterdit.torch;

import java.lang.foreign.MemorySegment;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.GradMode;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * adaLN's modulated layer norm, {@code LN(x) (1 + scale) + shift}: layer norm over the last
 * dimension without affine parameters, in fp32, then the (N, D) shift and scale of each sample
 * broadcast over its tokens, both taken as chunks of the conditioning {@code m} (N, k D) that the
 * block's modulation layer produced.
 *
 * <p>LibTorch runs it as a layer norm, an addcmul and (under autocast) the cast the next matmul
 * makes: three passes over the (N, T, D) activations forward and about six backward, each reading
 * and writing memory because the activations do not fit in cache (benchmarks/RESULTS.md, session
 * 16). Fused ({@link ModulatedNormKernel}), the forward reads x once and writes the result in the
 * dtype the next matmul takes (the autocast dtype, else fp32), and the backward is one pass that
 * writes dL/dx and sums dL/dshift and dL/dscale. The backward is recorded through {@link
 * FusedBackward}: the result is made as a cast (bf16) or copy (fp32) of a view of x, which the pass
 * then overwrites, and the view's gradient hook returns dL/dx; dL/dshift and dL/dscale are added
 * into m's gradient by a hook on m, which the backward reaches after every op that read m's chunks.
 * A DiT block's two sublayers ({@link #sublayer}) add the gated residual, fused the same way, with
 * the gate's gradient going into m's by the same hook.
 *
 * <p>Fused where {@link GeluTanh#FUSED} holds (the same Vector API conditions), on contiguous fp32
 * CPU activations whose last dimension is a whole number of vectors, on threads whose ATen pool has
 * one thread (the step workers), and with a backward only inside a {@link FusedBackward.Scope};
 * anywhere else LibTorch's ops run. Results differ from those by rounding (ModulatedNormTest).
 */
public final class ModulatedNorm {
  private final Tensor m;
  private final long d;
  private final double eps;

  /** Where dL/dshift and dL/dscale of the recorded norms go; null when none is recorded. */
  private final ConditioningGradient gradient;

  private ModulatedNorm(Tensor m, int chunks, double eps) {
    this.d = m.size(1) / chunks;
    this.eps = eps;
    boolean record = FusedBackward.recording() && m.requires_grad() && conditioningFusable(m, d);
    // the hook goes on a view made for it: on m's own node it would stay there, and fire again
    // in a later backward through m
    this.m = record ? m.view_as(m) : m;
    this.gradient = record ? ConditioningGradient.record(this.m) : null;
  }

  /**
   * The norms that read {@code m} (N, chunks D). Other readers of m's chunks take them through
   * {@link #chunk}.
   */
  public static ModulatedNorm over(Tensor m, int chunks, double eps) {
    if (m.dim() != 2 || m.size(1) % chunks != 0)
      throw new IllegalArgumentException(
          "conditioning of shape "
              + Tensors.shape(m)
              + " does not split into "
              + chunks
              + " chunks");
    return new ModulatedNorm(m, chunks, eps);
  }

  /**
   * Compiles the fused loops before the first step, as {@link GeluTanh#warmUp} does for its own and
   * for the same reason; later calls return at once. Returns whether they were seen compiled within
   * the time limit.
   */
  public static boolean warmUp() {
    return GeluTanh.FUSED
        && WARM_UP.run(t -> ModulatedNormKernel.warmUp(t) & GatedResidualKernel.warmUp(t));
  }

  private static final VectorWarmUp.Once WARM_UP = new VectorWarmUp.Once();

  /**
   * Chunk {@code i} of m (N, D) for other uses (a block's gates), as {@code m.chunk(chunks, 1)}
   * would give it; taken here, it also tells the norms that the backward reaches m without them.
   */
  public Tensor chunk(int i) {
    if (gradient != null) gradient.reached = true;
    return m.narrow(1, i * d, d);
  }

  /**
   * LN(x) (1 + scale) + shift for x (N, T, D), with shift and scale the chunks {@code shiftChunk}
   * and {@code scaleChunk} of m. Fused, the result is in the autocast dtype when autocast is on;
   * otherwise it is fp32 and autocast casts it where it is used.
   */
  public Tensor apply(Tensor x, int shiftChunk, int scaleChunk) {
    return normed(x, shiftChunk, scaleChunk).h;
  }

  /**
   * One adaLN-Zero sublayer of a DiT block: {@code x + gate branch(LN(x) (1 + scale) + shift)} for
   * the residual stream x (N, T, D) in fp32, with shift, scale and gate the chunks {@code
   * shiftChunk}, {@code scaleChunk} and {@code gateChunk} of m, and the branch {@code body}
   * followed by a linear layer ({@code weight}, {@code bias}). The norm is {@link #apply}'s.
   *
   * <p>Where the branch's output is bf16 (autocast) the gated residual is fused: the linear layer
   * runs without its bias, and one pass adds the bias and the gated branch to x, where LibTorch
   * copies the bias into the matmul's output and then casts and addcmuls; backward, one pass writes
   * dL/dy and sums the gradients of the gate and of the bias, where LibTorch takes four passes, the
   * bias's sum and the autograd engine's add of x's two gradients. How it is recorded: the result
   * is a cast of a view of y (its backward casts the incoming gradient back, and a hook on the
   * result replaces that gradient by zeros, which cost the cast one write), a hook on the result
   * keeps dL/dout, the view's hook returns dL/dy, and dL/dout reaches x through the norm's
   * backward, which adds it to dL/dx in its own pass; so x's only reader in the graph is the norm.
   * The bias's gradient is returned by a hook on a view of the bias, which the backward reaches
   * through {@link FusedBackward#reach}. Elsewhere LibTorch's ops run.
   */
  public Tensor sublayer(
      Tensor x,
      int shiftChunk,
      int scaleChunk,
      int gateChunk,
      UnaryOperator<Tensor> body,
      Tensor weight,
      Tensor bias) {
    Normed n = normed(x, shiftChunk, scaleChunk);
    Tensor inner = body.apply(n.h);
    boolean graph =
        GradMode.is_enabled()
            && (x.requires_grad()
                || inner.requires_grad()
                || m.requires_grad()
                || weight.requires_grad()
                || bias.requires_grad());
    if (residualFusable(x, weight, bias) && (n.gradient != null || !graph)) {
      Tensor y = torch.linear(inner, weight, new TensorOptional());
      if (branchFusable(x, y) && (!graph || y.requires_grad()))
        return fusedResidual(x, gateChunk, y, bias, graph ? n.gradient : null);
      return stockResidual(x, chunk(gateChunk), y.add(bias));
    }
    return stockResidual(
        x, chunk(gateChunk), torch.linear(inner, weight, new TensorOptional(bias)));
  }

  /**
   * x + gate y as one addcmul: one pass and one temporary fewer than mul then add. The branch
   * output and the gate are cast to the residual stream's dtype first, because a CPU elementwise op
   * over mixed dtypes runs LibTorch's scalar casting loop instead of its vectorised one.
   */
  private static Tensor stockResidual(Tensor x, Tensor gate, Tensor y) {
    ScalarType t = x.scalar_type().intern();
    return torch.addcmul(x, gate.to(t).unsqueeze(1), y.to(t));
  }

  /** A norm's output, and its recorded backward (null when LibTorch's ops or no graph ran). */
  private record Normed(Tensor h, NormGradient gradient) {}

  private Normed normed(Tensor x, int shiftChunk, int scaleChunk) {
    ScalarType out = Autocast.cpuDtype();
    boolean needsGrad = GradMode.is_enabled() && (x.requires_grad() || m.requires_grad());
    boolean withGrad = needsGrad && gradient != null && x.requires_grad();
    if (!fusable(x, out) || (needsGrad && !withGrad))
      return new Normed(stock(x, shiftChunk, scaleChunk), null);
    boolean bf16 = out == ScalarType.BFloat16;
    long n = x.size(0), tokens = x.size(1), rows = n * tokens;
    Tensor condition = m.detach();
    Tensor shift = condition.narrow(1, shiftChunk * d, d).to(ScalarType.Float).contiguous();
    Tensor scale1 =
        condition.narrow(1, scaleChunk * d, d).to(ScalarType.Float).add(Scalars.of(1.0));
    Tensor stats = torch.empty(2 * rows);
    Tensor h;
    NormGradient back = null;
    if (withGrad) {
      // the node the backward's hook replaces: a cast or copy, whose own backward passes the
      // gradient on as it is (in fp32), of a view made only to carry the hook
      Tensor view = x.view_as(x);
      h = bf16 ? view.to(ScalarType.BFloat16) : view.clone();
      back =
          new NormGradient(
              x, scale1, stats, gradient, shiftChunk * d, scaleChunk * d, bf16, tokens);
      FusedBackward.record(view, back);
      gradient.recorded++;
      if (!gradient.reached) {
        // m's gradient, and with it the hook that adds the norms' part, is computed only when
        // the backward reaches m: where nothing else reads m through the graph (DiT's final
        // layer, a block whose gated residuals are fused), a zero that depends on m goes into
        // the loss
        FusedBackward.reach(m);
        gradient.reached = true;
      }
    } else {
      h = torch.empty_like(x, new TensorOptions(out), new MemoryFormatOptional());
    }
    MemorySegment xs = Tensors.memoryOf(x),
        ss = Tensors.memoryOf(shift),
        cs = Tensors.memoryOf(scale1);
    MemorySegment hs = Tensors.memoryOf(h), st = Tensors.memoryOf(stats);
    float e = (float) eps;
    if (bf16) ModulatedNormKernel.forwardBf16(xs, ss, cs, hs, st, rows, tokens, (int) d, e);
    else ModulatedNormKernel.forwardF32(xs, ss, cs, hs, st, rows, tokens, (int) d, e);
    return new Normed(h, back);
  }

  /**
   * x + gate (y + bias) in one pass; with {@code norm} (the recorded backward of the norm that read
   * x), the graph {@link #sublayer} describes, else none.
   */
  private Tensor fusedResidual(Tensor x, int gateChunk, Tensor y, Tensor bias, NormGradient norm) {
    Tensor gate = m.detach().narrow(1, gateChunk * d, d).to(ScalarType.Float).contiguous();
    Tensor b = bias.detach().to(ScalarType.Float).contiguous();
    Tensor out;
    if (norm != null) {
      // created in this order so that the backward runs them in reverse: the bias's hook after
      // the branch's, which sums what it returns
      Tensor biasSums =
          bias.requires_grad() ? BiasGradient.record(bias) : torch.zeros(bias.size(0));
      Tensor branch = y.view_as(y); // a view made to carry the hook, as in normed
      ResidualGradient back =
          new ResidualGradient(y, gate, b, gradient, gateChunk * d, norm, biasSums);
      FusedBackward.record(branch, back);
      out = branch.to(ScalarType.Float);
      FusedBackward.record(out, back.result);
      gradient.recorded++;
    } else {
      out = torch.empty_like(x);
    }
    GatedResidualKernel.forward(
        Tensors.memoryOf(x),
        Tensors.memoryOf(gate),
        Tensors.memoryOf(y),
        Tensors.memoryOf(b),
        Tensors.memoryOf(out),
        x.size(0) * x.size(1),
        x.size(1),
        (int) d);
    return out;
  }

  /** Whether {@link #sublayer} fuses its residual, before the branch's linear layer has run. */
  private boolean residualFusable(Tensor x, Tensor weight, Tensor bias) {
    return conditioningFusable(m, d)
        && Autocast.cpuDtype() == ScalarType.BFloat16
        && x.device().is_cpu()
        && x.scalar_type().intern() == ScalarType.Float
        && x.dim() == 3
        && x.size(0) == m.size(0)
        && x.size(2) == d
        && x.is_contiguous()
        && weight.dim() == 2
        && weight.size(0) == d
        && bias.defined()
        && bias.dim() == 1
        && bias.size(0) == d
        && bias.device().is_cpu()
        && torch.get_num_threads() == 1;
  }

  /** Whether the branch's output without its bias is what the fused pass reads. */
  private static boolean branchFusable(Tensor x, Tensor y) {
    return y.device().is_cpu()
        && y.scalar_type().intern() == ScalarType.BFloat16
        && y.dim() == 3
        && y.size(0) == x.size(0)
        && y.size(1) == x.size(1)
        && y.size(2) == x.size(2)
        && y.is_contiguous();
  }

  /** LibTorch's ops, as the fused pass computes them. */
  private Tensor stock(Tensor x, int shiftChunk, int scaleChunk) {
    Tensor norm =
        torch.layer_norm(
            x.to(ScalarType.Float),
            new long[] {d},
            new TensorOptional(),
            new TensorOptional(),
            eps,
            false);
    // one addcmul: one pass and one temporary fewer than mul then add; the conditioning is cast
    // to the activations' dtype first, because a CPU elementwise op over mixed dtypes runs
    // LibTorch's scalar casting loop instead of its vectorised one
    return torch.addcmul(
        m.narrow(1, shiftChunk * d, d).to(ScalarType.Float).unsqueeze(1),
        norm,
        m.narrow(1, scaleChunk * d, d).to(ScalarType.Float).unsqueeze(1).add(Scalars.of(1.0)));
  }

  private static boolean conditioningFusable(Tensor m, long d) {
    ScalarType t = m.scalar_type().intern();
    return GeluTanh.FUSED
        && m.device().is_cpu()
        && (t == ScalarType.Float || t == ScalarType.BFloat16)
        && d % ModulatedNormKernel.lanes() == 0;
  }

  private boolean fusable(Tensor x, ScalarType out) {
    return conditioningFusable(m, d)
        && (out == ScalarType.Float || out == ScalarType.BFloat16)
        && x.device().is_cpu()
        && x.scalar_type().intern() == ScalarType.Float
        && x.dim() == 3
        && x.size(0) == m.size(0)
        && x.size(2) == d
        && x.is_contiguous()
        && torch.get_num_threads() == 1;
  }

  /**
   * The hook on m: adds the recorded norms' dL/dshift and dL/dscale, summed in fp32 into the
   * columns of their chunks, to the gradient the other readers of m left (zeros in those columns).
   */
  private static final class ConditioningGradient implements FusedBackward.Pending {
    final Tensor sums; // (N, k D) fp32
    int recorded, done;

    /** Whether the backward reaches m through another op than the fused norms. */
    boolean reached;

    private ConditioningGradient(Tensor m) {
      this.sums = NativeScope.retain(torch.zeros(m.size(0), m.size(1)));
    }

    static ConditioningGradient record(Tensor m) {
      ConditioningGradient g = new ConditioningGradient(m);
      FusedBackward.record(m, g);
      return g;
    }

    @Override
    public Tensor backward(Tensor grad) {
      if (done != recorded)
        throw new IllegalStateException(
            "the conditioning's gradient was reached before "
                + (recorded - done)
                + " of its fused norms ran their backward");
      if (recorded == 0) return new Tensor();
      return grad.add(sums.to(grad.scalar_type().intern()));
    }

    @Override
    public void release() {
      NativeScope.release(sums);
    }
  }

  /** The hook on the view of x: the fused backward. */
  private static final class NormGradient implements FusedBackward.Pending {
    private final Tensor x, scale1, stats;
    private final ConditioningGradient into;
    private final long shiftColumn, scaleColumn, tokens;

    /** Whether the gradient arrives through a cast, as a fresh tensor dL/dx may overwrite. */
    private final boolean overwritable;

    /** dL/dx from x's gated residual ({@link ResidualGradient}), added to dL/dx; or null. */
    private Tensor residual;

    NormGradient(
        Tensor x,
        Tensor scale1,
        Tensor stats,
        ConditioningGradient into,
        long shiftColumn,
        long scaleColumn,
        boolean overwritable,
        long tokens) {
      this.x = NativeScope.retain(x);
      this.scale1 = NativeScope.retain(scale1);
      this.stats = NativeScope.retain(stats);
      this.into = into;
      this.shiftColumn = shiftColumn;
      this.scaleColumn = scaleColumn;
      this.overwritable = overwritable;
      this.tokens = tokens;
    }

    @Override
    public Tensor backward(Tensor grad) {
      // grad is fp32: the cast's or copy's backward made it so. After a cast it is a fresh tensor
      // nobody else holds and dL/dx overwrites it; after a copy it is the next op's own gradient
      Tensor g = grad.contiguous();
      Tensor gx = overwritable ? g : torch.empty_like(g);
      MemorySegment sums = Tensors.memoryOf(into.sums);
      ModulatedNormKernel.backward(
          Tensors.memoryOf(g),
          Tensors.memoryOf(x),
          Tensors.memoryOf(scale1),
          Tensors.memoryOf(stats),
          Tensors.memoryOf(gx),
          residual == null ? null : Tensors.memoryOf(residual),
          sums.asSlice(4 * shiftColumn),
          sums.asSlice(4 * scaleColumn),
          x.size(0) * tokens,
          tokens,
          (int) x.size(2),
          into.sums.size(1));
      into.done++;
      return gx;
    }

    @Override
    public void release() {
      NativeScope.release(x);
      NativeScope.release(scale1);
      NativeScope.release(stats);
      NativeScope.release(residual);
      residual = null;
    }
  }

  /**
   * The fused gated residual's backward ({@link #sublayer}): the hook on the result ({@link
   * #result}) keeps dL/dout and hands it to the norm that read x; the hook on the view of y, which
   * fires next, writes dL/dy and adds dL/dgate into the conditioning's sums.
   */
  private static final class ResidualGradient implements FusedBackward.Pending {
    private final Tensor y, gate, bias, biasSums;
    private final ConditioningGradient into;
    private final long gateColumn;
    private NormGradient norm;
    private Tensor grad;

    /** The hook on the result. */
    final FusedBackward.Pending result =
        new FusedBackward.Pending() {
          @Override
          public Tensor backward(Tensor g) {
            Tensor kept = g.contiguous();
            grad = NativeScope.retain(kept);
            norm.residual = NativeScope.retain(kept);
            norm = null;
            // the cast's backward needs a gradient of the result's sizes and dtype, and its value
            // is not used: zeros as one broadcast value, so the cast reads nothing
            return torch.zeros(1, 1, 1).expand(g.sizes());
          }

          @Override
          public void release() {}
        };

    ResidualGradient(
        Tensor y,
        Tensor gate,
        Tensor bias,
        ConditioningGradient into,
        long gateColumn,
        NormGradient norm,
        Tensor biasSums) {
      this.y = NativeScope.retain(y);
      this.gate = NativeScope.retain(gate);
      this.bias = NativeScope.retain(bias);
      this.biasSums = NativeScope.retain(biasSums);
      this.into = into;
      this.gateColumn = gateColumn;
      this.norm = norm;
    }

    @Override
    public Tensor backward(Tensor zeros) {
      if (grad == null)
        throw new IllegalStateException("a gated residual's branch was reached before its result");
      // the cast's backward made the zeros: a fresh bf16 tensor, written over with dL/dy
      boolean fresh = zeros.is_contiguous() && zeros.scalar_type().intern() == ScalarType.BFloat16;
      Tensor gy = fresh ? zeros : torch.empty_like(y);
      MemorySegment sums = Tensors.memoryOf(into.sums);
      GatedResidualKernel.backward(
          Tensors.memoryOf(grad),
          Tensors.memoryOf(y),
          Tensors.memoryOf(gate),
          Tensors.memoryOf(bias),
          Tensors.memoryOf(gy),
          sums.asSlice(4 * gateColumn),
          Tensors.memoryOf(biasSums),
          y.size(0) * y.size(1),
          y.size(1),
          (int) y.size(2),
          into.sums.size(1));
      into.done++;
      return gy;
    }

    @Override
    public void release() {
      NativeScope.release(y);
      NativeScope.release(gate);
      NativeScope.release(bias);
      NativeScope.release(biasSums);
      NativeScope.release(grad);
      grad = null;
    }
  }
}
