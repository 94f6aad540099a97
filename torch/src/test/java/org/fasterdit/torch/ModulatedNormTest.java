package org.fasterdit.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.management.ThreadMXBean;
import java.lang.management.ManagementFactory;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.DeviceType;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The fused modulated layer norm against LibTorch's layer_norm and addcmul: values, and the
 * gradients of x, of the conditioning and of the weights that made it, through two norms reading
 * one conditioning (as in a DiT block), in fp32 and under bf16 autocast.
 */
class ModulatedNormTest {
  private static final int N = 3, T = 5, D = 64, CHUNKS = 6;
  private static final double EPS = 1e-6;
  private int threads;

  @BeforeEach
  void oneAtenThread() {
    assumeTrue(GeluTanh.FUSED, "needs --add-modules=jdk.incubator.vector and 8-lane vectors");
    threads = torch.get_num_threads();
    torch.set_num_threads(1); // as on a step worker
  }

  @AfterEach
  void restoreThreads() {
    if (threads > 0) torch.set_num_threads(threads);
  }

  @Test
  void gradientsMatchLibTorchsInFp32() {
    compare(null, true, 2e-5);
  }

  @Test
  void gradientsMatchLibTorchsUnderBf16Autocast() {
    // both sides round the norm's output to bf16 for the next matmul; an fp32 difference of an
    // ulp may round the other way, one bf16 step (2^-8 relative) at most
    compare(ScalarType.BFloat16, true, 2e-2);
  }

  @Test
  void theConditioningGetsItsGradientAlsoWhenOnlyTheNormsReadIt() {
    // as in DiT's final layer: no gate, only shift and scale
    compare(null, false, 2e-5);
    compare(ScalarType.BFloat16, false, 2e-2);
  }

  @Test
  void sublayersMatchLibTorchsUnderBf16Autocast() {
    try (var scope = NativeScope.open()) {
      Tensor[] stock = sublayers(false), fused = sublayers(true);
      String[] names = {
        "first sublayer",
        "second sublayer",
        "dL/dx",
        "dL/dc",
        "dL/dw",
        "dL/dw1",
        "dL/dbias1",
        "dL/dbias2"
      };
      for (int i = 0; i < names.length; i++) assertClose(stock[i], fused[i], 2e-2, names[i]);
    }
  }

  /**
   * The fused residual is LibTorch's addcmul of the branch's matmul plus its bias, to the bit
   * (recorded or not); LibTorch's linear rounds the matmul and the bias once, the fused path twice,
   * so that part is compared in {@link #sublayersMatchLibTorchsUnderBf16Autocast}.
   */
  @Test
  void theFusedGatedResidualHasAddcmulsBits() {
    try (var scope = NativeScope.open();
        var bf16 = Autocast.on(DeviceType.CPU, ScalarType.BFloat16)) {
      torch.manual_seed(7);
      Tensor x = torch.randn(N, T, D), m = torch.randn(N, CHUNKS * D);
      Tensor w = torch.randn(D, D).mul(Scalars.of(0.2)), bias = torch.randn(D);
      Tensor[] inner = new Tensor[1];
      Tensor out;
      try (var noGrad = NoGrad.on()) { // the forward pass alone
        out = ModulatedNorm.over(m, CHUNKS, EPS).sublayer(x, 0, 1, 2, h -> inner[0] = h, w, bias);
      }
      Tensor y = torch.linear(inner[0], w, NO_BIAS);
      assertEquals(ScalarType.BFloat16, y.scalar_type().intern(), "the branch ran in bf16");
      Tensor gate = m.narrow(1, 2L * D, D).unsqueeze(1);
      Tensor expected = torch.addcmul(x, gate, y.to(ScalarType.Float).add(bias));
      assertTrue(torch.equal(expected, out), "bits");
      // and recorded, the same bits
      Tensor xg = x.requires_grad_(true).mul(Scalars.of(1.0));
      Tensor recorded;
      try (var fused = FusedBackward.open()) {
        recorded =
            ModulatedNorm.over(m.requires_grad_(true).mul(Scalars.of(1.0)), CHUNKS, EPS)
                .sublayer(xg, 0, 1, 2, h -> h, w, bias.requires_grad_(true));
        assertTrue(recorded.grad_fn().name().getString().startsWith("ToCopy"), "fused");
        fused.loss(recorded.sum()).backward();
      }
      assertTrue(torch.equal(out, recorded.detach()), "recorded bits");
    }
  }

  @Test
  void withoutGradTheForwardMatchesLibTorchs() {
    try (var scope = NativeScope.open();
        var noGrad = NoGrad.on()) {
      torch.manual_seed(5);
      Tensor x = torch.randn(N, T, D).mul(Scalars.of(3.0)).add(Scalars.of(0.5));
      Tensor m = torch.randn(N, CHUNKS * D);
      Tensor fused = ModulatedNorm.over(m, CHUNKS, EPS).apply(x, 3, 4);
      assertEquals(ScalarType.Float, fused.scalar_type().intern());
      assertClose(reference(x, m, 3, 4), fused, 2e-5, "values");
      try (var bf16 = Autocast.on(DeviceType.CPU, ScalarType.BFloat16)) {
        Tensor low = ModulatedNorm.over(m, CHUNKS, EPS).apply(x, 0, 1);
        assertEquals(ScalarType.BFloat16, low.scalar_type().intern(), "the autocast dtype");
        assertClose(reference(x, m, 0, 1), low, 1e-2, "bf16 values");
      }
    }
  }

  @Test
  void aScopeLeftWithoutItsBackwardRefusesToEnd() {
    try (var scope = NativeScope.open()) {
      Tensor x = torch.randn(N, T, D).requires_grad_(true);
      Tensor m = torch.randn(N, CHUNKS * D).requires_grad_(true);
      var fused = FusedBackward.open();
      ModulatedNorm.over(m.mul(Scalars.of(1.0)), CHUNKS, EPS).apply(x.mul(Scalars.of(1.0)), 0, 1);
      IllegalStateException e = assertThrows(IllegalStateException.class, fused::close);
      assertTrue(e.getMessage().contains("got no backward"), e.getMessage());
      // a backward from a loss that skipped Scope.loss misses the conditioning: named in the error
      var skipped = FusedBackward.open();
      ModulatedNorm.over(m.mul(Scalars.of(1.0)), CHUNKS, EPS)
          .apply(x.mul(Scalars.of(1.0)), 0, 1)
          .sum()
          .backward();
      e = assertThrows(IllegalStateException.class, skipped::close);
      assertTrue(e.getMessage().contains("Scope.loss"), e.getMessage());
      // and the next scope starts clean: a full forward and backward in it closes fine
      try (var again = FusedBackward.open()) {
        Tensor h =
            ModulatedNorm.over(m.mul(Scalars.of(1.0)), CHUNKS, EPS)
                .apply(x.mul(Scalars.of(1.0)), 0, 1);
        again.loss(h.sum()).backward();
      }
    }
  }

  /**
   * Before the JIT compiles the loops every vector operation allocates (tens of MB per call at a
   * step worker's size); after the warm-up a forward and backward allocate only small wrappers.
   */
  @Test
  void afterTheWarmUpAForwardAndBackwardMakeNoVectorGarbage() {
    assertTrue(ModulatedNorm.warmUp(), "the loops compiled within the warm-up's time limit");
    ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
    long id = Thread.currentThread().threadId();
    try (var scope = NativeScope.open();
        var bf16 = Autocast.on(DeviceType.CPU, ScalarType.BFloat16)) {
      Tensor x = torch.randn(4, 256, 384).requires_grad_(true).mul(Scalars.of(1.0));
      Tensor m = torch.randn(4, 6 * 384).requires_grad_(true).mul(Scalars.of(1.0));
      for (int round = 0; round < 2; round++) { // the second round is measured
        long before = threads.getThreadAllocatedBytes(id);
        try (var fused = FusedBackward.open()) {
          ModulatedNorm norms = ModulatedNorm.over(m, 6, EPS);
          Tensor loss = norms.apply(x, 0, 1).to(ScalarType.Float).sum();
          loss = loss.add(norms.chunk(2).to(ScalarType.Float).sum());
          fused.loss(loss).backward();
        }
        long allocated = threads.getThreadAllocatedBytes(id) - before;
        if (round == 1)
          assertTrue(allocated < 256 * 1024, allocated + " bytes allocated by a step's worth");
      }
    }
  }

  /**
   * Runs the DiT-block-like graph both ways and compares the two norms' outputs and the gradients
   * of x, c and w.
   */
  private static void compare(ScalarType autocast, boolean gated, double tolerance) {
    try (var scope = NativeScope.open()) {
      Tensor[] stock = run(false, autocast, gated), fused = run(true, autocast, gated);
      String[] names = {"first norm", "second norm", "dL/dx", "dL/dc", "dL/dw"};
      for (int i = 0; i < names.length; i++) assertClose(stock[i], fused[i], tolerance, names[i]);
    }
  }

  private static Tensor[] run(boolean fused, ScalarType autocast, boolean gated) {
    torch.manual_seed(3);
    Tensor x0 = torch.randn(N, T, D).mul(Scalars.of(2.0)).add(Scalars.of(0.5));
    x0.requires_grad_(true);
    Tensor c = torch.randn(N, 16).requires_grad_(true);
    Tensor w = torch.randn(CHUNKS * D, 16).mul(Scalars.of(0.3)).requires_grad_(true);
    Tensor up1 = torch.randn(N, T, D), up2 = torch.randn(N, T, D), upGate = torch.randn(N, D);
    try (var recording = fused ? FusedBackward.open() : null;
        var precision =
            autocast == null
                ? Autocast.off(DeviceType.CPU)
                : Autocast.on(DeviceType.CPU, autocast)) {
      Tensor m = torch.linear(c, w, new TensorOptional()); // (N, 6D), bf16 under autocast
      Tensor x = x0.mul(Scalars.of(1.0)); // a residual stream, not a leaf
      ModulatedNorm norms = ModulatedNorm.over(m, CHUNKS, EPS);
      Tensor gate = gated ? norms.chunk(2) : null;
      Tensor h1 = fused ? norms.apply(x, 0, 1) : lowered(reference(x, m, 0, 1), autocast);
      Tensor x2 = x.add(h1.to(ScalarType.Float).mul(up1));
      Tensor h2 = fused ? norms.apply(x2, 3, 4) : lowered(reference(x2, m, 3, 4), autocast);
      if (fused) { // the fused path ran: its recorded node
        String node = h1.grad_fn().name().getString();
        String fusedNode = autocast == null ? "Clone" : "ToCopy";
        assertTrue(node.startsWith(fusedNode), "fused: " + node);
      }
      Tensor loss = h2.to(ScalarType.Float).mul(up2).sum();
      if (gated) loss = loss.add(gate.to(ScalarType.Float).mul(upGate).sum());
      if (recording != null) loss = recording.loss(loss);
      TensorVector g =
          torch.grad(
              new TensorVector(loss),
              new TensorVector(x0, c, w),
              new TensorVector(),
              new BoolOptional(false),
              false,
              false);
      return new Tensor[] {
        h1.detach(), h2.detach(), new Tensor(g.get(0)), new Tensor(g.get(1)), new Tensor(g.get(2))
      };
    }
  }

  /**
   * Two sublayers of a DiT block under bf16 autocast, each branch ending in a linear layer, fused
   * (in a recording scope) or with LibTorch's ops; the outputs and the gradients of x, c, w, the
   * first branch's weight and both biases.
   */
  private static Tensor[] sublayers(boolean fused) {
    torch.manual_seed(11);
    Tensor x0 = torch.randn(N, T, D).mul(Scalars.of(2.0)).add(Scalars.of(0.5));
    x0.requires_grad_(true);
    Tensor c = torch.randn(N, 16).requires_grad_(true);
    Tensor w = torch.randn(CHUNKS * D, 16).mul(Scalars.of(0.3)).requires_grad_(true);
    Tensor w1 = torch.randn(D, D).mul(Scalars.of(0.2)).requires_grad_(true);
    Tensor w2 = torch.randn(D, D).mul(Scalars.of(0.2)).requires_grad_(true);
    Tensor bias1 = torch.randn(D).requires_grad_(true), bias2 = torch.randn(D).requires_grad_(true);
    Tensor up = torch.randn(N, T, D);
    try (var recording = fused ? FusedBackward.open() : null;
        var bf16 = Autocast.on(DeviceType.CPU, ScalarType.BFloat16)) {
      Tensor m = torch.linear(c, w, NO_BIAS);
      ModulatedNorm norms = ModulatedNorm.over(m, CHUNKS, EPS);
      // the first branch a matmul alone, the second one after a GELU, as DiT's attention and MLP
      Tensor x1 = norms.sublayer(x0.mul(Scalars.of(1.0)), 0, 1, 2, h -> h, w1, bias1);
      Tensor x2 = norms.sublayer(x1, 3, 4, 5, h -> torch.gelu(h, "tanh"), w2, bias2);
      String node = x1.grad_fn().name().getString();
      assertTrue(node.startsWith(fused ? "ToCopy" : "Addcmul"), (fused ? "fused: " : "") + node);
      Tensor loss = x2.mul(up).sum();
      if (recording != null) loss = recording.loss(loss);
      TensorVector g =
          torch.grad(
              new TensorVector(loss),
              new TensorVector(x0, c, w, w1, bias1, bias2),
              new TensorVector(),
              new BoolOptional(false),
              false,
              false);
      Tensor[] out = new Tensor[8];
      out[0] = x1.detach();
      out[1] = x2.detach();
      for (int i = 0; i < 6; i++) out[i + 2] = new Tensor(g.get(i));
      return out;
    }
  }

  private static final TensorOptional NO_BIAS = new TensorOptional();

  /** LibTorch's ops: fp32 layer norm, then one addcmul with the conditioning in fp32. */
  private static Tensor reference(Tensor x, Tensor m, int shift, int scale) {
    Tensor norm =
        torch.layer_norm(x, new long[] {D}, new TensorOptional(), new TensorOptional(), EPS, false);
    return torch.addcmul(
        m.narrow(1, (long) shift * D, D).to(ScalarType.Float).unsqueeze(1),
        norm,
        m.narrow(1, (long) scale * D, D).to(ScalarType.Float).unsqueeze(1).add(Scalars.of(1.0)));
  }

  /** What the next matmul would take under autocast: the value rounded to its dtype. */
  private static Tensor lowered(Tensor h, ScalarType autocast) {
    return autocast == null ? h : h.to(autocast);
  }

  /** max |a - b| within {@code tolerance} times max |a| (and a is not all zeros). */
  private static void assertClose(Tensor a, Tensor b, double tolerance, String what) {
    Tensor fa = a.to(ScalarType.Float), fb = b.to(ScalarType.Float);
    double scale = fa.abs().max().item_double();
    double diff = fa.sub(fb).abs().max().item_double();
    assertTrue(scale > 0, what + " is all zeros");
    assertTrue(
        diff <= tolerance * scale, what + ": max difference " + diff + " at magnitude " + scale);
  }
}
