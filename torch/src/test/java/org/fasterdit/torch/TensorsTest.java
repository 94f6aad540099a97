package org.fasterdit.torch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.DeviceType;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.fasterdit.io.DType;
import org.fasterdit.io.HostTensor;
import org.junit.jupiter.api.Test;

class TensorsTest {
  @Test
  void viewSharesMemoryBothWays() {
    try (Arena arena = Arena.ofConfined();
        var s = NativeScope.open()) {
      MemorySegment seg = arena.allocate(6 * 4, 64);
      for (int i = 0; i < 6; i++) seg.setAtIndex(ValueLayout.JAVA_FLOAT, i, i);
      Tensor t = Tensors.view(new HostTensor(DType.F32, new long[] {2, 3}, seg));
      assertEquals(seg.address(), t.data_ptr().address(), "zero-copy: same address");
      t.mul_(Scalars.of(2.0));
      assertEquals(
          10f, seg.getAtIndex(ValueLayout.JAVA_FLOAT, 5)); // tensor writes reach the segment
      seg.setAtIndex(ValueLayout.JAVA_FLOAT, 0, 7f);
      assertEquals(7f, Tensors.toFloats(t)[0]); // segment writes reach the tensor
    }
  }

  @Test
  void hostRoundTripKeepsDtypeAndValues() {
    try (Arena arena = Arena.ofConfined();
        var s = NativeScope.open()) {
      for (ScalarType st :
          new ScalarType[] {
            ScalarType.Float, ScalarType.BFloat16, ScalarType.Half, ScalarType.Long
          }) {
        Tensor t = Tensors.ofFloats(new float[] {1, -2, 3.5f, 4}, 2, 2).to(st);
        HostTensor h = Tensors.toHost(t, arena);
        assertEquals(Tensors.dtype(st), h.dtype());
        assertArrayEquals(new long[] {2, 2}, h.shape());
        float[] want =
            st == ScalarType.Long ? new float[] {1, -2, 3, 4} : new float[] {1, -2, 3.5f, 4};
        assertArrayEquals(want, h.toFloatArray());
        assertArrayEquals(want, Tensors.toFloats(Tensors.copyOf(h)));
      }
    }
  }

  @Test
  void heapSegmentsAreCopiedNotViewed() {
    HostTensor h = HostTensor.ofFloats(new long[] {3}, new float[] {1, 2, 3});
    try (var s = NativeScope.open()) {
      assertArrayEquals(new float[] {1, 2, 3}, Tensors.toFloats(Tensors.view(h)));
    }
  }

  @Test
  void scopesFreeAndRetainKeeps() {
    Tensor gone;
    Tensor kept;
    try (var s = NativeScope.open()) {
      gone = Tensors.ofFloats(new float[] {1}, 1);
      kept = NativeScope.retain(Tensors.ofFloats(new float[] {2}, 1));
    }
    assertTrue(gone.isNull(), "a closed scope frees its tensors");
    assertEquals(2f, Tensors.toFloats(kept)[0]);
    NativeScope.release(kept);
  }

  @Test
  void guardsRestoreState() {
    try (var s = NativeScope.open()) {
      Tensor w = Tensors.ofFloats(new float[] {1, 2}, 2).requires_grad_(true);
      try (var g = NoGrad.on()) {
        assertTrue(!w.mul(Scalars.of(2.0)).requires_grad());
      }
      assertTrue(w.mul(Scalars.of(2.0)).requires_grad());
      assertTrue(!Autocast.active(DeviceType.CPU));
      try (var a = Precision.BF16.autocast(new Device(DeviceType.CPU))) {
        assertTrue(Autocast.active(DeviceType.CPU));
      }
      assertTrue(!Autocast.active(DeviceType.CPU));
    }
  }

  @Test
  void badDevicesAndPrecisionsAreRefused() {
    var e = assertThrows(TorchException.class, () -> Devices.resolve("tpu"));
    assertTrue(e.getMessage().contains("bad device 'tpu'"));
    if (!Devices.cudaAvailable()) {
      e = assertThrows(TorchException.class, () -> Devices.resolve("cuda:0"));
      assertTrue(e.getMessage().contains("no CUDA device"));
      e =
          assertThrows(
              TorchException.class,
              () -> Precision.FP16.checkSupported(new Device(DeviceType.CPU)));
      assertTrue(e.getMessage().contains("fp16 is CUDA-only"));
    }
  }
}
