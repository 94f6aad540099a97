package org.fasterdit.torch;

import static org.bytedeco.pytorch.global.torch.clear_cache;
import static org.bytedeco.pytorch.global.torch.decrement_nesting;
import static org.bytedeco.pytorch.global.torch.get_autocast_dtype;
import static org.bytedeco.pytorch.global.torch.increment_nesting;
import static org.bytedeco.pytorch.global.torch.is_autocast_enabled;
import static org.bytedeco.pytorch.global.torch.set_autocast_dtype;
import static org.bytedeco.pytorch.global.torch.set_autocast_enabled;

import org.bytedeco.pytorch.global.torch.DeviceType;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Mixed-precision guard. LibTorch has no C++ guard class exposed to Java, so this one drives the
 * thread-local autocast state directly and restores the previous state on close. Master weights
 * stay fp32; matmuls run in {@code dtype}.
 *
 * <pre>
 * {@code try (var a = Autocast.on(DeviceType.CPU, ScalarType.BFloat16)) { out = model.forward(x, t, y); }}
 * </pre>
 */
public final class Autocast implements AutoCloseable {
  private final DeviceType device;
  private final boolean wasEnabled;
  private final ScalarType previousDtype;
  private final boolean nests;
  private boolean closed;

  private Autocast(DeviceType device, boolean enable, ScalarType dtype) {
    this.device = device;
    this.wasEnabled = is_autocast_enabled(device);
    this.previousDtype = get_autocast_dtype(device);
    this.nests = enable;
    set_autocast_enabled(device, enable);
    if (enable) {
      set_autocast_dtype(device, dtype);
      increment_nesting();
    }
  }

  public static Autocast on(DeviceType device, ScalarType dtype) {
    return new Autocast(device, true, dtype);
  }

  /**
   * Turns autocast off for the region (e.g. to keep attention in fp32 inside a bf16 region) and
   * restores the previous state on close; where autocast is already off it changes nothing, so
   * callers can write one try block whatever the precision.
   */
  public static Autocast off(DeviceType device) {
    return new Autocast(device, false, null);
  }

  /** True when autocast is active for {@code device} on this thread. */
  public static boolean active(DeviceType device) {
    return is_autocast_enabled(device);
  }

  /** The dtype autocast computes matmuls in on CPU here: its dtype when on, else fp32. */
  static ScalarType cpuDtype() {
    return active(DeviceType.CPU) ? get_autocast_dtype(DeviceType.CPU).intern() : ScalarType.Float;
  }

  @Override
  public void close() {
    if (closed) return;
    closed = true;
    if (nests && decrement_nesting() == 0)
      clear_cache(); // cached casts of weights die with the outermost region
    set_autocast_enabled(device, wasEnabled);
    if (previousDtype != null) set_autocast_dtype(device, previousDtype);
  }
}
