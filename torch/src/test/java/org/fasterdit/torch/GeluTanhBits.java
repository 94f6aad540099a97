package org.fasterdit.torch;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The bits {@link GeluTanh} produces for fixed inputs (values without grad, values and input
 * gradients with grad, fp32 and bf16), here and in a child JVM: {@code main(file)} writes them.
 */
final class GeluTanhBits {
  private GeluTanhBits() {}

  static byte[] compute() {
    int before = torch.get_num_threads();
    torch.set_num_threads(1);
    try (var scope = NativeScope.open()) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      for (ScalarType type : new ScalarType[] {ScalarType.Float, ScalarType.BFloat16}) {
        torch.manual_seed(11);
        Tensor x = torch.randn(257, 33).mul(Scalars.of(3.0)).to(type);
        Tensor upstream = torch.randn(257, 33).to(type);
        append(out, GeluTanh.applyConsuming(x.clone()));
        Tensor leaf = x.clone().requires_grad_(true);
        Tensor y = GeluTanh.applyConsuming(leaf);
        append(out, y);
        append(out, inputGradient(y, leaf, upstream));
      }
      return out.toByteArray();
    } finally {
      torch.set_num_threads(before);
    }
  }

  /** d(sum(y * upstream))/d(leaf), one backward that frees its graph. */
  static Tensor inputGradient(Tensor y, Tensor leaf, Tensor upstream) {
    return torch
        .grad(
            new TensorVector(y),
            new TensorVector(leaf),
            new TensorVector(upstream),
            new BoolOptional(false),
            false,
            false)
        .get(0);
  }

  private static void append(ByteArrayOutputStream out, Tensor t) {
    Tensor f = t.detach().to(ScalarType.Float).contiguous();
    for (float v : Tensors.toFloats(f)) {
      int bits = Float.floatToRawIntBits(v);
      for (int s = 0; s < 32; s += 8) out.write(bits >>> s);
    }
  }

  public static void main(String[] args) throws Exception {
    Files.write(Path.of(args[0]), compute());
  }
}
