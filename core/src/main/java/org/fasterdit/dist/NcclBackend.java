package org.fasterdit.dist;

import java.time.Duration;
import org.bytedeco.javacpp.chrono.Milliseconds;
import org.bytedeco.pytorch.Backend;
import org.bytedeco.pytorch.nccl.ProcessGroupNCCL;

/**
 * NCCL, the backend for CUDA tensors. The Java classes of {@code org.bytedeco.pytorch.nccl} ship in
 * the common presets jar, so this compiles against the CPU build; their native library ({@code
 * libjnitorch_nccl}) only ships with the GPU natives ({@code -Pcuda}, classifier {@code
 * linux-x86_64-gpu}). On the CPU build the first use fails while linking, which {@link #create}
 * turns into a message saying what to install. Not exercised by the CPU tests.
 */
final class NcclBackend {
  private NcclBackend() {}

  static Backend create(JoinedGroup group, int rank, int world, Duration timeout) {
    try {
      ProcessGroupNCCL.Options opts = group.part(new ProcessGroupNCCL.Options());
      opts.timeout(new Milliseconds(timeout.toMillis()));
      return new ProcessGroupNCCL(group.store(), rank, world, opts);
    } catch (LinkageError e) {
      // UnsatisfiedLinkError, or NoClassDefFoundError / ExceptionInInitializerError after a failed
      // first load
      throw new IllegalStateException(
          "NCCL is not available in this build: the LibTorch natives on the classpath are "
              + "the CPU build (no libjnitorch_nccl). Multi-GPU training needs the GPU build: mvn -Pcuda install (classifier "
              + "linux-x86_64-gpu) on a machine with CUDA; or train on the CPU with Gloo (--device=cpu). Cause: "
              + e,
          e);
    }
  }
}
