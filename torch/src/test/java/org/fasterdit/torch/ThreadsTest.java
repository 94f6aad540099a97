package org.fasterdit.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.DeviceType;
import org.junit.jupiter.api.Test;

class ThreadsTest {
  private static final Device CPU = new Device(DeviceType.CPU);

  @Test
  void aThreadAloneInBf16GetsOpenBlasCoresAndGivesThemBack() {
    assumeTrue(Threads.blasThreadsControllable(), "needs the bundled OpenBLAS");
    int before = torch.get_num_threads(), blasBefore = Threads.blasThreads();
    torch.set_num_threads(1); // the launcher's settings on a 2-core machine
    Threads.setBlasThreads(2);
    try {
      try (var t = Threads.aloneOnCpu(Precision.BF16, CPU)) {
        assertEquals(
            Threads.blasThreads(), torch.get_num_threads(), "bf16 GEMMs run in ATen's pool");
      }
      assertEquals(1, torch.get_num_threads(), "restored on close");
      try (var t = Threads.aloneOnCpu(Precision.FP32, CPU)) {
        assertEquals(
            1, torch.get_num_threads(), "fp32 GEMMs run in OpenBLAS: ATen's pool unchanged");
      }
    } finally {
      torch.set_num_threads(before);
      Threads.setBlasThreads(blasBefore);
    }
  }
}
