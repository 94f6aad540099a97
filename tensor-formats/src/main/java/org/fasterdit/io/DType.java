package org.fasterdit.io;

/** Element types that the readers and writers understand; all stored little-endian. */
public enum DType {
  F64(8),
  F32(4),
  F16(2),
  BF16(2),
  I64(8),
  I32(4),
  I16(2),
  I8(1),
  U8(1),
  BOOL(1);

  private final int byteSize;

  DType(int byteSize) {
    this.byteSize = byteSize;
  }

  public int byteSize() {
    return byteSize;
  }

  public boolean isFloatingPoint() {
    return this == F64 || this == F32 || this == F16 || this == BF16;
  }

  /**
   * Maps a numpy type descriptor such as {@code "<f4"}, {@code "|u1"} or {@code ">i8"}. The
   * byte-order character is accepted but not interpreted here: {@link Npy} handles byte order.
   *
   * @throws TensorFormatException naming {@code file} if the descriptor is not supported
   */
  public static DType fromNumpyDescr(String file, String descr) {
    String d = descr;
    if (!d.isEmpty() && "<>|=".indexOf(d.charAt(0)) >= 0) {
      d = d.substring(1);
    }
    DType t =
        switch (d) {
          case "f8" -> F64;
          case "f4" -> F32;
          case "f2" -> F16;
          case "i8" -> I64;
          case "i4" -> I32;
          case "i2" -> I16;
          case "i1" -> I8;
          case "u1", "B" -> U8;
          case "b1", "?" -> BOOL;
          default -> null;
        };
    if (t == null) {
      throw new TensorFormatException(
          file
              + ": unsupported numpy dtype descr '"
              + descr
              + "' (supported: f8 f4 f2 i8 i4 i2 i1 u1 b1)");
    }
    return t;
  }

  /** The little-endian numpy descriptor written by {@link Npy#write}; bf16 has none in numpy. */
  public String numpyDescr() {
    return switch (this) {
      case F64 -> "<f8";
      case F32 -> "<f4";
      case F16 -> "<f2";
      case I64 -> "<i8";
      case I32 -> "<i4";
      case I16 -> "<i2";
      case I8 -> "|i1";
      case U8 -> "|u1";
      case BOOL -> "|b1";
      case BF16 ->
          throw new TensorFormatException(
              "numpy has no bfloat16 dtype; convert the tensor to F32 before writing .npy");
    };
  }

  /** Maps a safetensors header dtype string such as {@code "BF16"}. */
  public static DType fromSafetensors(String file, String name) {
    return switch (name) {
      case "F64" -> F64;
      case "F32" -> F32;
      case "F16" -> F16;
      case "BF16" -> BF16;
      case "I64" -> I64;
      case "I32" -> I32;
      case "I16" -> I16;
      case "I8" -> I8;
      case "U8" -> U8;
      case "BOOL" -> BOOL;
      default ->
          throw new TensorFormatException(
              file
                  + ": unsupported safetensors dtype '"
                  + name
                  + "' (supported: F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL)");
    };
  }

  /** The safetensors dtype string; it happens to equal the enum constant name. */
  public String safetensorsName() {
    return name();
  }

  /** Maps a torch legacy storage class name such as {@code "BFloat16Storage"}. */
  public static DType fromTorchStorage(String file, String storageClass) {
    return switch (storageClass) {
      case "DoubleStorage" -> F64;
      case "FloatStorage" -> F32;
      case "HalfStorage" -> F16;
      case "BFloat16Storage" -> BF16;
      case "LongStorage" -> I64;
      case "IntStorage" -> I32;
      case "ShortStorage" -> I16;
      case "CharStorage" -> I8;
      case "ByteStorage" -> U8;
      case "BoolStorage" -> BOOL;
      default ->
          throw new TensorFormatException(
              file + ": unsupported torch storage class '" + storageClass + "'");
    };
  }

  /** The torch storage class name (without the {@code torch.} module prefix). */
  public String torchStorageName() {
    return switch (this) {
      case F64 -> "DoubleStorage";
      case F32 -> "FloatStorage";
      case F16 -> "HalfStorage";
      case BF16 -> "BFloat16Storage";
      case I64 -> "LongStorage";
      case I32 -> "IntStorage";
      case I16 -> "ShortStorage";
      case I8 -> "CharStorage";
      case U8 -> "ByteStorage";
      case BOOL -> "BoolStorage";
    };
  }
}
