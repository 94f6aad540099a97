package org.fasterdit.torch;

import org.bytedeco.pytorch.global.torch;

/**
 * Loads LibTorch once and prints a line. The very first load on a machine extracts the natives into
 * ~/.javacpp/cache, and that first process has been seen to die with SIGSEGV inside libtorch's
 * static initialisation (pthread_mutex_lock in Dispatcher::registerFallback) while later processes
 * load fine. The launcher and CI therefore run this class first and retry once, so the crash never
 * hits a real job.
 */
public final class NativeWarmup {
  private NativeWarmup() {}

  public static void main(String[] args) {
    float v = torch.ones(2, 2).sum().item_float();
    System.out.println(
        "libtorch ready (cpu threads="
            + torch.get_num_threads()
            + ", check="
            + v
            + ", cuda="
            + Devices.cudaAvailable()
            + ")");
  }
}
