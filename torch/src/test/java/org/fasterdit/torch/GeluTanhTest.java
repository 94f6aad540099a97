package org.fasterdit.torch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.management.ThreadMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
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
import org.junit.jupiter.api.io.TempDir;

/** The fused GELU against LibTorch's own gelu and gelu_backward (the reference's kernels). */
class GeluTanhTest {
  // Not a multiple of any vector width, so the padded tail runs too; values over the whole range
  // GELU bends in, plus saturated ones.
  private static final long ROWS = 331, COLS = 37;
  private int threadsBefore;

  @BeforeEach
  void oneAtenThread() {
    assumeTrue(GeluTanh.FUSED, "needs --add-modules=jdk.incubator.vector and 8-lane vectors");
    threadsBefore = torch.get_num_threads();
    torch.set_num_threads(1); // as on a step worker: the fused pass runs only there
  }

  @AfterEach
  void restoreThreads() {
    if (threadsBefore > 0) torch.set_num_threads(threadsBefore);
  }

  private static Tensor inputs(ScalarType type) {
    torch.manual_seed(7);
    Tensor x = torch.randn(ROWS, COLS).mul(Scalars.of(3.0));
    x.index_put_(
        new org.bytedeco.pytorch.TensorIndexVector(
            new org.bytedeco.pytorch.TensorIndex(torch.arange(Scalars.of(6)))),
        Tensors.ofFloats(new float[] {0f, -0f, 12f, -12f, 1e-20f, -30f}, 6, 1).expand(6, COLS));
    return x.to(type);
  }

  private static double maxAbs(Tensor a, Tensor b) {
    return a.to(ScalarType.Float).sub(b.to(ScalarType.Float)).abs().max().item_double();
  }

  @Test
  void withoutGradItMatchesLibTorchAndReusesTheInput() {
    for (ScalarType type : new ScalarType[] {ScalarType.Float, ScalarType.BFloat16}) {
      Tensor x = inputs(type);
      Tensor expected = torch.gelu(x, "tanh");
      long address = x.data_ptr().address();
      Tensor y = GeluTanh.applyConsuming(x);
      assertEquals(address, y.data_ptr().address(), type + ": written over its input");
      // fp32: our exp-based form and Sleef's tanh differ by an ulp or two; bf16: one rounding step
      double tol = type == ScalarType.Float ? 2e-6 : 0.0625;
      assertTrue(maxAbs(y, expected) <= tol, type + ": max abs err " + maxAbs(y, expected));
    }
  }

  @Test
  void backwardMultipliesByTheSavedDerivative() {
    for (ScalarType type : new ScalarType[] {ScalarType.Float, ScalarType.BFloat16}) {
      Tensor leaf = inputs(type).requires_grad_(true);
      Tensor x = leaf.mul(Scalars.of(1.0)); // a fresh non-leaf, like fc1's output
      Tensor upstream = torch.randn(ROWS, COLS).to(type);
      Tensor y = GeluTanh.applyConsuming(x);
      Tensor xValues = leaf.detach();
      Tensor expected = torch.gelu(xValues, "tanh");
      Tensor expectedGrad = torch.gelu_backward(upstream, xValues, "tanh");
      Tensor grad = GeluTanhBits.inputGradient(y, leaf, upstream);
      assertEquals(type, grad.scalar_type().intern(), "gradient dtype");
      double tolY = type == ScalarType.Float ? 2e-6 : 0.0625;
      // bf16 stores the derivative in bf16 (one extra rounding): 2^-7 of the largest gradient
      double scale = expectedGrad.abs().max().item_double();
      double tolGrad = type == ScalarType.Float ? 1e-5 : scale / 128;
      assertTrue(maxAbs(y, expected) <= tolY, type + ": value err " + maxAbs(y, expected));
      assertTrue(
          maxAbs(grad, expectedGrad) <= tolGrad,
          type + ": grad err " + maxAbs(grad, expectedGrad) + " (largest " + scale + ")");
      assertTrue(maxAbs(x, xValues) == 0, type + ": with grad the input is left as it was");
    }
  }

  /**
   * In a recording scope (the step workers) the activation is written over x and the backward is a
   * hook: the same values and gradient, to the bit, as the recorded multiply outside one.
   */
  @Test
  void inARecordingScopeTheSameBitsComeWithoutTheRecordedMultiply() {
    for (ScalarType type : new ScalarType[] {ScalarType.Float, ScalarType.BFloat16}) {
      Tensor leaf = inputs(type).requires_grad_(true);
      Tensor upstream = torch.randn(ROWS, COLS).to(type);
      Tensor y = GeluTanh.applyConsuming(leaf.mul(Scalars.of(1.0)));
      Tensor grad = GeluTanhBits.inputGradient(y, leaf, upstream);
      try (var fused = FusedBackward.open()) {
        Tensor x = leaf.mul(Scalars.of(1.0));
        long address = x.data_ptr().address();
        Tensor hooked = GeluTanh.applyConsuming(x);
        assertTrue(hooked.grad_fn().name().getString().startsWith("View"), "a hooked view");
        assertEquals(address, hooked.data_ptr().address(), type + ": written over x");
        assertTrue(torch.equal(y, hooked), type + ": values");
        Tensor hookedGrad = GeluTanhBits.inputGradient(hooked, leaf, upstream);
        assertTrue(torch.equal(grad, hookedGrad), type + ": gradient");
      }
    }
  }

  /**
   * The JIT-compiled loop and the Vector API's plain-Java fallback (which runs before the JIT gets
   * to the loop, and in a JVM limited to C1) must give the same bits, or a resumed run would not
   * repeat an uninterrupted one.
   */
  /**
   * fc1 and its GELU under bf16 autocast with the bias added in the activation's pass, recorded (a
   * recording scope) and without grad, against LibTorch's linear and gelu: the activation and the
   * gradients of the input, the weight and the bias, within one bf16 rounding.
   */
  @Test
  void ofLinearMatchesLibTorchsLinearAndGelu() {
    try (var scope = NativeScope.open();
        var bf16 = Autocast.on(DeviceType.CPU, ScalarType.BFloat16)) {
      torch.manual_seed(13);
      Tensor x = torch.randn(3, 16, 48).requires_grad_(true);
      Tensor w = torch.randn(64, 48).mul(Scalars.of(0.3)).requires_grad_(true);
      Tensor b = torch.randn(64).requires_grad_(true);
      Tensor up = torch.randn(3, 16, 64);
      Tensor expected = torch.gelu(torch.linear(x, w, new TensorOptional(b)), "tanh");
      Tensor[] stock = grads(expected.to(ScalarType.Float).mul(up).sum(), x, w, b);
      Tensor y;
      Tensor[] fused;
      try (var recording = FusedBackward.open()) {
        y = GeluTanh.ofLinear(x, w, b);
        // the activation is a view of a matmul without bias (LibTorch's linear: AddmmBackward)
        String under = y.grad_fn().next_edge(0).function().name().getString();
        assertTrue(under.startsWith("UnsafeView") || under.startsWith("Mm"), "no bias: " + under);
        fused = grads(recording.loss(y.to(ScalarType.Float).mul(up).sum()), x, w, b);
      }
      assertEquals(ScalarType.BFloat16, y.scalar_type().intern());
      double scale = expected.to(ScalarType.Float).abs().max().item_double();
      assertTrue(maxAbs(expected, y) <= 2e-2 * scale, "activation: " + maxAbs(expected, y));
      String[] names = {"dL/dx", "dL/dw", "dL/db"};
      for (int i = 0; i < 3; i++) {
        double s = stock[i].abs().max().item_double(), diff = maxAbs(stock[i], fused[i]);
        assertTrue(s > 0 && diff <= 2e-2 * s, names[i] + ": " + diff + " at " + s);
      }
      try (var noGrad = NoGrad.on()) {
        Tensor y0 = GeluTanh.ofLinear(x, w, b);
        assertTrue(torch.equal(y.detach(), y0), "without grad, the same bits");
      }
    }
  }

  private static Tensor[] grads(Tensor loss, Tensor... inputs) {
    TensorVector g =
        torch.grad(
            new TensorVector(loss),
            new TensorVector(inputs),
            new TensorVector(),
            new BoolOptional(false),
            false,
            false);
    Tensor[] out = new Tensor[inputs.length];
    for (int i = 0; i < out.length; i++) out[i] = new Tensor(g.get(i));
    return out;
  }

  @Test
  void compiledAndInterpretedGiveTheSameBits(@TempDir Path dir) throws Exception {
    for (ScalarType type : new ScalarType[] {ScalarType.Float, ScalarType.BFloat16}) {
      Tensor big = torch.randn(1024, 1536).to(type);
      for (int i = 0; i < 30; i++) GeluTanh.applyConsuming(big.clone()); // warm: C2-compiled
    }
    byte[] here = GeluTanhBits.compute();
    Path file = dir.resolve("bits");
    Process child =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED",
                "--add-modules=jdk.incubator.vector",
                "-XX:TieredStopAtLevel=1", // C1 only: it does not compile the Vector API's
                // intrinsics
                "-cp",
                System.getProperty("java.class.path"),
                GeluTanhBits.class.getName(),
                file.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("child.log").toFile())
            .start();
    assertTrue(child.waitFor(5, TimeUnit.MINUTES), "child JVM timed out");
    assertEquals(0, child.exitValue(), Files.readString(dir.resolve("child.log")));
    assertArrayEquals(here, Files.readAllBytes(file));
  }

  /**
   * Before the JIT compiles the loops every vector operation allocates, ~50 MB of garbage per call
   * at a step worker's size; after the warm-up a call allocates only its tensors' Java wrappers.
   */
  @Test
  void afterTheWarmUpACallMakesNoVectorGarbage() {
    assertTrue(GeluTanh.warmUp(), "the loops compiled within the warm-up's time limit");
    ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
    long id = Thread.currentThread().threadId();
    for (ScalarType type : new ScalarType[] {ScalarType.Float, ScalarType.BFloat16}) {
      Tensor x = torch.randn(1024, 1536).to(type).requires_grad_(true).mul(Scalars.of(1.0));
      long before = threads.getThreadAllocatedBytes(id);
      GeluTanh.applyConsuming(x);
      long allocated = threads.getThreadAllocatedBytes(id) - before;
      assertTrue(allocated < 256 * 1024, type + ": " + allocated + " bytes allocated by one call");
    }
  }

  @Test
  void aWiderAtenPoolRunsLibTorchsKernel() {
    torch.set_num_threads(2);
    Tensor x = inputs(ScalarType.Float);
    Tensor before = x.clone();
    Tensor y = GeluTanh.applyConsuming(x);
    assertFalse(x.data_ptr().address() == y.data_ptr().address(), "a new tensor");
    assertEquals(0, maxAbs(x, before), "input untouched");
    assertEquals(0, maxAbs(y, torch.gelu(before, "tanh")), "LibTorch's own result");
  }
}
