package org.fasterdit.torch;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.pytorch.global.torch;

/**
 * The two CPU thread pools: ATen's intra-op pool (from {@code FASTERDIT_TORCH_THREADS}) and
 * OpenBLAS's, where fp32 GEMMs run ({@code OPENBLAS_NUM_THREADS}, changeable at run time here).
 * When both pools are busy at once they fight for the cores, so the launcher gives the cores to
 * OpenBLAS and one thread to ATen, which measured fastest on AVX2 CPUs; training with several step
 * workers drops OpenBLAS to one thread per worker while they run (benchmarks/RESULTS.md).
 */
public final class Threads {
  private Threads() {}

  /** Undoes a thread setting on close; closing twice is harmless. */
  public interface Restore extends AutoCloseable {
    @Override
    void close();
  }

  /**
   * For one Java thread computing alone (sampling, decoding, a single-thread probe): fp32 GEMMs run
   * in OpenBLAS, which the launcher gave every core, but bf16 and fp16 GEMMs run in oneDNN on
   * ATen's intra-op pool, which it gave one thread, so in those precisions the other cores sat idle
   * (sampling DiT-S/2 at CFG 4 on an avx512_bf16 EPYC: bf16 0.37 images/s on one thread, 0.90
   * widened, fp32 0.39; benchmarks/RESULTS.md). On CPU in bf16/fp16 this widens the calling
   * thread's ATen pool to OpenBLAS's thread count until closed; in fp32 or on CUDA it changes
   * nothing. Not for the step workers, which run side by side with one thread each.
   */
  public static Restore aloneOnCpu(Precision precision, org.bytedeco.pytorch.Device device) {
    if (device.is_cuda() || precision == Precision.FP32) return () -> {};
    int before = torch.get_num_threads();
    int cores =
        blasThreadsControllable() ? blasThreads() : Runtime.getRuntime().availableProcessors();
    if (cores <= before) return () -> {};
    torch.set_num_threads(cores);
    return () -> torch.set_num_threads(before);
  }

  public static void applyFromEnvironment() {
    String v = System.getenv("FASTERDIT_TORCH_THREADS");
    if (v == null || v.isBlank()) return;
    try {
      int n = Integer.parseInt(v.trim());
      if (n < 1) throw new NumberFormatException();
      torch.set_num_threads(n);
    } catch (NumberFormatException e) {
      throw new TorchException(
          "FASTERDIT_TORCH_THREADS must be a positive integer, got '" + v + "'");
    }
  }

  /**
   * Whether OpenBLAS's thread count can be read and changed here (the linux builds bundle it;
   * elsewhere, or if its library cannot be found, {@link #blasThreads} reports 1 and {@link
   * #setBlasThreads} does nothing).
   */
  public static boolean blasThreadsControllable() {
    return Blas.GET != null;
  }

  /**
   * Threads OpenBLAS uses for the next fp32 GEMM (the CPU build's GEMMs run in OpenBLAS, not in
   * ATen's pool).
   */
  public static int blasThreads() {
    if (Blas.GET == null) return 1;
    try {
      return (int) Blas.GET.invokeExact();
    } catch (Throwable t) {
      throw new TorchException("openblas_get_num_threads failed: " + t);
    }
  }

  /**
   * Changes OpenBLAS's thread count for the GEMMs that follow, e.g. to 1 while several Java threads
   * run their own steps. Call it while no GEMM is running.
   */
  public static void setBlasThreads(int n) {
    if (n < 1) throw new IllegalArgumentException("BLAS threads must be >= 1, got " + n);
    if (Blas.SET == null || blasThreads() == n) return;
    try {
      Blas.SET.invokeExact(n);
    } catch (Throwable t) {
      throw new TorchException("openblas_set_num_threads failed: " + t);
    }
  }

  /**
   * The JavaCPP presets do not map OpenBLAS's thread functions, so they are called through FFM in
   * the OpenBLAS that LibTorch already loaded (dlopen by soname returns the loaded copy). Both
   * handles are null when it is not there.
   */
  private static final class Blas {
    static final MethodHandle GET;
    static final MethodHandle SET;

    static {
      MethodHandle get = null, set = null;
      try {
        Loader.load(org.bytedeco.openblas.global.openblas_nolapack.class);
        SymbolLookup lib = SymbolLookup.libraryLookup("libopenblas_nolapack.so.0", Arena.global());
        Linker linker = Linker.nativeLinker();
        var getSym = lib.find("openblas_get_num_threads");
        var setSym = lib.find("openblas_set_num_threads");
        if (getSym.isPresent() && setSym.isPresent()) {
          get = linker.downcallHandle(getSym.get(), FunctionDescriptor.of(ValueLayout.JAVA_INT));
          set =
              linker.downcallHandle(setSym.get(), FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT));
        }
      } catch (RuntimeException | UnsatisfiedLinkError e) {
        System.err.println(
            "fasterdit: OpenBLAS thread control unavailable ("
                + e.getMessage()
                + "); training runs on one step thread");
      }
      GET = get;
      SET = set;
    }
  }
}
