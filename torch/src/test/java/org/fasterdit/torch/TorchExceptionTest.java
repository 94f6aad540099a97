package org.fasterdit.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

/** The error funnel: a LibTorch failure reaches the user as one readable line. */
class TorchExceptionTest {
  @Test
  void nativeFailureBecomesOneLineNamingWhatWasDone() {
    try (var scope = NativeScope.open()) {
      Tensor a = Tensors.ofFloats(new float[6], 2, 3);
      Tensor b = Tensors.ofFloats(new float[4], 2, 2);
      TorchException e =
          assertThrows(TorchException.class, () -> TorchException.wrap("adding", () -> a.add(b)));
      assertTrue(e.getMessage().startsWith("adding: "), e.getMessage());
      assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
      assertTrue(TorchException.isNative(e.getCause()), "the native text stays in the cause");
      assertTrue(e.getCause().getMessage().length() > e.getMessage().length());
    }
  }

  @Test
  void ownExceptionsPassThroughUnchanged() {
    IllegalArgumentException mine = new IllegalArgumentException("batch must be >= 1");
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                TorchException.wrap(
                    "training step 1",
                    () -> {
                      throw mine;
                    }));
    assertEquals(mine, e);
  }
}
