package org.fasterdit.torch;

import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.DeviceType;

/** Device choice: "cpu", "cuda", "cuda:N" or "auto" (CUDA when a device is present, else CPU). */
public final class Devices {
  private Devices() {}

  public static boolean cudaAvailable() {
    try {
      return torch.cuda_is_available() && torch.cuda_device_count() > 0;
    } catch (RuntimeException | UnsatisfiedLinkError e) {
      return false; // the CPU build has no CUDA runtime to ask
    }
  }

  public static Device resolve(String spec) {
    String s = spec == null ? "auto" : spec.trim().toLowerCase(java.util.Locale.ROOT);
    if (s.equals("auto")) s = cudaAvailable() ? "cuda:0" : "cpu";
    if (s.equals("cpu")) return new Device(DeviceType.CPU);
    if (s.equals("cuda")) s = "cuda:0";
    if (s.startsWith("cuda:")) {
      if (!cudaAvailable()) {
        throw new TorchException(
            "device '"
                + spec
                + "' asked for, but no CUDA device is present (use --device cpu, "
                + "or build with the cuda profile on a machine with a GPU)");
      }
      int index;
      try {
        index = Integer.parseInt(s.substring(5));
      } catch (NumberFormatException e) {
        throw new TorchException("bad device '" + spec + "': expected cpu, cuda, cuda:N or auto");
      }
      if (index < 0 || index >= torch.cuda_device_count()) {
        throw new TorchException(
            "device '"
                + spec
                + "' does not exist: "
                + torch.cuda_device_count()
                + " CUDA device(s)");
      }
      return new Device(DeviceType.CUDA, (byte) index);
    }
    throw new TorchException("bad device '" + spec + "': expected cpu, cuda, cuda:N or auto");
  }

  public static boolean isCuda(Device d) {
    return d.type().intern() == DeviceType.CUDA; // JavaCPP enums from native code must be interned
  }
}
