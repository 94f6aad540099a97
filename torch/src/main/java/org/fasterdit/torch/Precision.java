package org.fasterdit.torch;

import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Compute precision for forward/backward. Master weights are always fp32; bf16 and fp16 run matmuls
 * under autocast. fp16 is CUDA-only (on this CPU an fp16 matmul runs at ~0.4 GFLOP/s) and needs
 * dynamic loss scaling. {@link #AUTO} is a request, not a precision: {@link PrecisionProbe#resolve}
 * turns it into fp32 or bf16 for the machine and workload before anything computes.
 */
public enum Precision {
  AUTO,
  FP32,
  BF16,
  FP16;

  public static Precision parse(String s) {
    return switch (s.trim().toLowerCase(java.util.Locale.ROOT)) {
      case "auto" -> AUTO;
      case "fp32", "float32", "32" -> FP32;
      case "bf16", "bfloat16" -> BF16;
      case "fp16", "float16", "16" -> FP16;
      default ->
          throw new TorchException(
              "unknown precision '" + s + "': expected auto, fp32, bf16 or fp16");
    };
  }

  /** Refuses combinations that cannot work, before any training starts. */
  public void checkSupported(Device device) {
    if (this == FP16 && !Devices.isCuda(device)) {
      throw new TorchException(
          "precision fp16 is CUDA-only (fp16 matmuls on CPU are ~1000x slower): use bf16 or fp32");
    }
  }

  /** The lower-case name used in configs and messages: auto, fp32, bf16, fp16. */
  public String key() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  /** The dtype autocast casts matmul operands to in this precision; empty for fp32. */
  public java.util.Optional<ScalarType> matmulType() {
    return switch (this) {
      case AUTO ->
          throw new IllegalStateException(
              "precision auto must be resolved (PrecisionProbe.resolve) before it computes");
      case FP32 -> java.util.Optional.empty();
      case BF16 -> java.util.Optional.of(ScalarType.BFloat16);
      case FP16 -> java.util.Optional.of(ScalarType.Half);
    };
  }

  /** An autocast guard for this precision on {@code device}; a no-op guard for fp32. */
  public Autocast autocast(Device device) {
    return switch (this) {
      case AUTO ->
          throw new IllegalStateException(
              "precision auto must be resolved (PrecisionProbe.resolve) before it computes");
      case FP32 -> Autocast.off(device.type());
      case BF16 -> Autocast.on(device.type(), ScalarType.BFloat16);
      case FP16 -> Autocast.on(device.type(), ScalarType.Half);
    };
  }
}
