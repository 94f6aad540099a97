package org.fasterdit.torch;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import org.bytedeco.javacpp.Loader;
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

  /** Threads OpenBLAS uses for the next fp32 GEMM (the CPU build's GEMMs run in OpenBLAS, not in ATen's pool). */
  public static int blasThreads() {
    try {
      return (int) Blas.GET.invokeExact();
    } catch (Throwable t) {
      throw new TorchException("openblas_get_num_threads failed: " + t);
    }
  }

  /**
   * Changes OpenBLAS's thread count for the GEMMs that follow, e.g. to 1 while several Java threads run their own
   * steps. Call it while no GEMM is running.
   */
  public static void setBlasThreads(int n) {
    if (n < 1) throw new IllegalArgumentException("BLAS threads must be >= 1, got " + n);
    if (blasThreads() == n) return;
    try {
      Blas.SET.invokeExact(n);
    } catch (Throwable t) {
      throw new TorchException("openblas_set_num_threads failed: " + t);
    }
  }

  /**
   * The JavaCPP presets do not map OpenBLAS's thread functions, so they are called through FFM in the OpenBLAS that
   * LibTorch already loaded (dlopen by soname returns the loaded copy).
   */
  private static final class Blas {
    static final MethodHandle GET;
    static final MethodHandle SET;

    static {
      Loader.load(org.bytedeco.openblas.global.openblas_nolapack.class);
      SymbolLookup lib = SymbolLookup.libraryLookup("libopenblas_nolapack.so.0", Arena.global());
      Linker linker = Linker.nativeLinker();
      GET = linker.downcallHandle(find(lib, "openblas_get_num_threads"), FunctionDescriptor.of(ValueLayout.JAVA_INT));
      SET = linker.downcallHandle(find(lib, "openblas_set_num_threads"), FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT));
    }

    private static MemorySegment find(SymbolLookup lib, String name) {
      return lib.find(name).orElseThrow(() -> new TorchException("OpenBLAS has no symbol " + name));
    }
  }
}
