package org.fasterdit.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class HostTensorTest {
  @Test
  void convertsHalfAndBfloat16() {
    float[] v = {1f, -2.5f, 65504f, 6e-8f, 0.1f};
    HostTensor h = HostTensor.ofFloatsAs(DType.F16, new long[] {5}, v);
    float[] back = h.toFloatArray();
    assertEquals(65504f, back[2]);
    assertEquals(Float.float16ToFloat(Float.floatToFloat16(0.1f)), back[4]);
    HostTensor b = HostTensor.ofFloatsAs(DType.BF16, new long[] {5}, v);
    float[] bb = b.toFloatArray();
    assertEquals(1f, bb[0]);
    assertEquals(-2.5f, bb[1]);
    assertEquals(0.10009765625f, bb[4]); // 0.1 rounded to nearest bf16
  }

  @Test
  void bfloat16RoundsToNearestEven() {
    // 1 + 2^-8 is exactly halfway between bf16 1.0 and 1.0078125: ties go to even (1.0).
    assertEquals(1f, BFloat16.toFloat(BFloat16.fromFloat(1f + 0x1p-8f)));
    // 1.0078125 + 2^-8 is halfway to the next; the even neighbour is 1.015625.
    assertEquals(1.015625f, BFloat16.toFloat(BFloat16.fromFloat(1.0078125f + 0x1p-8f)));
    assertTrue(Float.isNaN(BFloat16.toFloat(BFloat16.fromFloat(Float.NaN))));
    assertEquals(Float.POSITIVE_INFINITY, BFloat16.toFloat(BFloat16.fromFloat(3.4e38f)));
  }

  @Test
  void convertsIntegersAndChecksShape() {
    HostTensor l = HostTensor.ofLongs(new long[] {2, 2}, new long[] {1, -2, 3, 1L << 40});
    assertArrayEquals(new double[] {1, -2, 3, 1L << 40}, l.toDoubleArray());
    assertEquals(4, l.numel());
    assertEquals("HostTensor[I64 [2, 2]]", l.toString());
    HostTensor u = HostTensor.ofBytes(DType.U8, new long[] {2}, new byte[] {(byte) 200, 1});
    assertArrayEquals(new long[] {200, 1}, u.toLongArray());
    assertThrows(
        IllegalArgumentException.class,
        () -> HostTensor.ofFloats(new long[] {3}, new float[] {1, 2}));
    long[] shape = {2};
    HostTensor t = HostTensor.ofFloats(shape, new float[] {1, 2});
    shape[0] = 7;
    assertArrayEquals(new long[] {2}, t.shape());
  }

  @Test
  void mapsDtypeNames() {
    assertEquals(DType.F32, DType.fromNumpyDescr("x", "<f4"));
    assertEquals(DType.U8, DType.fromNumpyDescr("x", "|u1"));
    assertEquals(DType.BOOL, DType.fromNumpyDescr("x", "|b1"));
    assertEquals(DType.I64, DType.fromNumpyDescr("x", ">i8"));
    assertEquals(DType.BF16, DType.fromSafetensors("x", "BF16"));
    assertEquals(DType.BF16, DType.fromTorchStorage("x", "BFloat16Storage"));
    assertEquals(DType.I8, DType.fromTorchStorage("x", "CharStorage"));
    for (DType d : DType.values()) {
      assertEquals(d, DType.fromSafetensors("x", d.safetensorsName()));
      assertEquals(d, DType.fromTorchStorage("x", d.torchStorageName()));
      if (d != DType.BF16) {
        assertEquals(d, DType.fromNumpyDescr("x", d.numpyDescr()));
      }
    }
    var e = assertThrows(TensorFormatException.class, () -> DType.fromSafetensors("f", "U64"));
    assertTrue(e.getMessage().startsWith("f: "));
  }
}
