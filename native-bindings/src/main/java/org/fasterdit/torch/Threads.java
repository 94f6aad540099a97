package org.fasterdit.torch;

import org.bytedeco.pytorch.global.torch;

/**
 * ATen's intra-op thread count from {@code FASTERDIT_TORCH_THREADS}. fp32 GEMM runs in OpenBLAS's own pool
 * ({@code OPENBLAS_NUM_THREADS}); when both pools are busy at once they fight for the cores, so the launcher gives
 * the cores to OpenBLAS and one thread to ATen, which measured fastest on AVX2 CPUs (benchmarks/RESULTS.md).
 */
public final class Threads {
  private Threads() {}

  public static void applyFromEnvironment() {
    String v = System.getenv("FASTERDIT_TORCH_THREADS");
    if (v == null || v.isBlank()) return;
    try {
      int n = Integer.parseInt(v.trim());
      if (n < 1) throw new NumberFormatException();
      torch.set_num_threads(n);
    } catch (NumberFormatException e) {
      throw new TorchException("FASTERDIT_TORCH_THREADS must be a positive integer, got '" + v + "'");
    }
  }
}
