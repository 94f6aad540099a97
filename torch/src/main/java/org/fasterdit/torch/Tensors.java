package org.fasterdit.torch;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.fasterdit.io.DType;
import org.fasterdit.io.HostTensor;

/**
 * The bridge between host memory (FFM segments: memory-mapped files, arenas) and LibTorch tensors.
 * {@link #view} shares memory with no copy; {@link #copyOf} and {@link #toHost} copy.
 */
public final class Tensors {
  private Tensors() {}

  public static ScalarType scalarType(DType d) {
    return switch (d) {
      case F64 -> ScalarType.Double;
      case F32 -> ScalarType.Float;
      case F16 -> ScalarType.Half;
      case BF16 -> ScalarType.BFloat16;
      case I64 -> ScalarType.Long;
      case I32 -> ScalarType.Int;
      case I16 -> ScalarType.Short;
      case I8 -> ScalarType.Char;
      case U8 -> ScalarType.Byte;
      case BOOL -> ScalarType.Bool;
    };
  }

  public static DType dtype(ScalarType s) {
    // JavaCPP returns enum values from native code as fresh objects (wrong ordinal, null name):
    // intern() first.
    return switch (s.intern().name()) {
      case "Double" -> DType.F64;
      case "Float" -> DType.F32;
      case "Half" -> DType.F16;
      case "BFloat16" -> DType.BF16;
      case "Long" -> DType.I64;
      case "Int" -> DType.I32;
      case "Short" -> DType.I16;
      case "Char" -> DType.I8;
      case "Byte" -> DType.U8;
      case "Bool" -> DType.BOOL;
      default -> throw new TorchException("tensor dtype " + s + " has no host representation");
    };
  }

  /** A javacpp Pointer at a segment's address; it owns nothing. */
  static Pointer pointerAt(MemorySegment seg) {
    // Locals must not be named address/limit/capacity: inside the anonymous class those names mean
    // the fields.
    long segAddress = seg.address();
    long segSize = seg.byteSize();
    return new Pointer() {
      {
        this.address = segAddress;
        this.limit = segSize;
        this.capacity = segSize;
      }
    };
  }

  /**
   * A CPU tensor over the segment's memory, no copy. The tensor does not own the memory: it must
   * not be used after the segment's arena closes (or, for a memory-mapped file, after the mapping's
   * arena closes). Writes through the tensor go to the segment. A read-only mapping must only be
   * read. A heap segment (no native address) is copied.
   */
  public static Tensor view(HostTensor h) {
    long need = Math.multiplyExact(h.numel(), (long) h.dtype().byteSize());
    if (h.data().byteSize() < need) {
      throw new TorchException(
          "host tensor holds " + h.data().byteSize() + " bytes but shape needs " + need);
    }
    if (need == 0 || !h.data().isNative()) {
      // A heap segment has no stable native address: give LibTorch its own copy instead of a view.
      Tensor t = torch.empty(h.shape(), new TensorOptions(scalarType(h.dtype())), null);
      if (need > 0)
        MemorySegment.ofAddress(t.data_ptr().address())
            .reinterpret(need)
            .copyFrom(h.data().asSlice(0, need));
      return t;
    }
    return TorchException.wrap(
        "viewing host memory as a tensor",
        () ->
            torch.from_blob(
                pointerAt(h.data()), h.shape(), new TensorOptions(scalarType(h.dtype()))));
  }

  /** A tensor with its own copy of the host data (safe to keep after the source arena closes). */
  public static Tensor copyOf(HostTensor h) {
    Tensor t = view(h).clone();
    java.lang.ref.Reference.reachabilityFence(h); // an auto-arena segment must outlive the copy
    return t;
  }

  /** Copies a tensor (any device, any layout) into a new segment of {@code arena}. */
  public static HostTensor toHost(Tensor t, Arena arena) {
    try (var scope = NativeScope.open()) {
      Tensor c = t.detach().cpu().contiguous();
      long n = c.nbytes();
      MemorySegment dst = arena.allocate(Math.max(n, 1), 64);
      if (n > 0) {
        MemorySegment src = MemorySegment.ofAddress(c.data_ptr().address()).reinterpret(n);
        dst.copyFrom(src);
      }
      return new HostTensor(dtype(c.scalar_type()), c.sizes().vec().get(), dst.asSlice(0, n));
    }
  }

  /**
   * The memory of a contiguous CPU tensor, all {@code nbytes} of it, for reading and writing in
   * place; valid while the tensor's storage lives.
   */
  static MemorySegment memoryOf(Tensor t) {
    return MemorySegment.ofAddress(t.data_ptr().address()).reinterpret(t.nbytes());
  }

  /** A new float32 CPU tensor holding {@code values}. */
  public static Tensor ofFloats(float[] values, long... shape) {
    Tensor t = torch.empty(shape, new TensorOptions(ScalarType.Float), null);
    if (values.length != t.numel())
      throw new TorchException(values.length + " values for shape of " + t.numel());
    MemorySegment dst = memoryOf(t);
    MemorySegment.copy(values, 0, dst, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, values.length);
    return t;
  }

  /** A new float64 CPU tensor holding {@code values}. */
  public static Tensor ofDoubles(double[] values, long... shape) {
    Tensor t = torch.empty(shape, new TensorOptions(ScalarType.Double), null);
    if (values.length != t.numel())
      throw new TorchException(values.length + " values for shape of " + t.numel());
    MemorySegment dst = memoryOf(t);
    MemorySegment.copy(values, 0, dst, ValueLayout.JAVA_DOUBLE_UNALIGNED, 0, values.length);
    return t;
  }

  /** A new int64 CPU tensor holding {@code values}. */
  public static Tensor ofLongs(long[] values, long... shape) {
    Tensor t = torch.empty(shape, new TensorOptions(ScalarType.Long), null);
    if (values.length != t.numel())
      throw new TorchException(values.length + " values for shape of " + t.numel());
    MemorySegment dst = memoryOf(t);
    MemorySegment.copy(values, 0, dst, ValueLayout.JAVA_LONG_UNALIGNED, 0, values.length);
    return t;
  }

  /** The tensor's values as float32, copied to the Java heap. */
  public static float[] toFloats(Tensor t) {
    try (var scope = NativeScope.open()) {
      Tensor c = t.detach().cpu().to(ScalarType.Float).contiguous();
      return MemorySegment.ofAddress(c.data_ptr().address())
          .reinterpret(c.nbytes())
          .toArray(ValueLayout.JAVA_FLOAT_UNALIGNED);
    }
  }

  /** The tensor's values as float64, copied to the Java heap. */
  public static double[] toDoubles(Tensor t) {
    try (var scope = NativeScope.open()) {
      Tensor c = t.detach().cpu().to(ScalarType.Double).contiguous();
      return MemorySegment.ofAddress(c.data_ptr().address())
          .reinterpret(c.nbytes())
          .toArray(ValueLayout.JAVA_DOUBLE_UNALIGNED);
    }
  }

  public static long[] shape(Tensor t) {
    return t.sizes().vec().get();
  }
}
