package org.fasterdit.io;

import java.lang.foreign.MemorySegment;
import java.util.List;

/** torch._utils._rebuild_tensor(_v2): turns (storage, offset, size, stride) into a tensor. */
final class TorchTensors {
  /** Materialising a strided view may repeat elements (stride 0); cap the blow-up. */
  static final long MIN_COPY_ALLOWANCE = 64L << 20;

  private static final int MAX_RANK = 64;

  private TorchTensors() {}

  /**
   * Contiguous views become zero-copy slices of the storage (and so of the mapped file); other
   * strides are gathered into a new contiguous buffer.
   */
  static HostTensor rebuild(
      String where, Object storageObj, Object offsetObj, Object sizeObj, Object strideObj) {
    if (!(storageObj instanceof TorchStorage storage)) {
      throw new TensorFormatException(
          where
              + ": tensor storage is not a persistent storage "
              + "but "
              + RestrictedUnpickler.typeName(storageObj));
    }
    if (!(offsetObj instanceof Long offset)) {
      throw new TensorFormatException(where + ": storage_offset is not an int");
    }
    long[] size = longs(where, "size", sizeObj);
    long[] stride = longs(where, "stride", strideObj);
    if (size.length != stride.length) {
      throw new TensorFormatException(
          where + ": size has " + size.length + " dims but stride has " + stride.length);
    }
    DType dtype = storage.dtype();
    int es = dtype.byteSize();
    long numel = Segments.numel(where, size);
    long last = StridedCopy.maxElementIndex(where, offset, size, stride);
    if (last >= storage.numel()) {
      throw new TensorFormatException(
          where
              + ": tensor view (offset "
              + offset
              + ", size "
              + java.util.Arrays.toString(size)
              + ", stride "
              + java.util.Arrays.toString(stride)
              + ") exceeds storage '"
              + storage.key()
              + "' of "
              + storage.numel()
              + " elements");
    }
    if (numel == 0) {
      return new HostTensor(dtype, size, MemorySegment.ofArray(new byte[0]));
    }
    // last < storage.numel, so these products fit: they are bounded by the storage bytes.
    if (StridedCopy.isContiguous(size, stride)) {
      return new HostTensor(dtype, size, storage.data().asSlice(offset * es, numel * es));
    }
    long bytes = Segments.byteCount(where, size, dtype);
    long allowance = Math.max(MIN_COPY_ALLOWANCE, storage.data().byteSize());
    if (bytes > allowance) {
      throw new TensorFormatException(
          where
              + ": strided view of "
              + bytes
              + " bytes over a storage of "
              + storage.data().byteSize()
              + " bytes is too large to materialise");
    }
    MemorySegment dst = Segments.allocate(bytes);
    StridedCopy.copy(storage.data(), offset, size, stride, es, dst);
    return new HostTensor(dtype, size, dst);
  }

  private static long[] longs(String where, String what, Object o) {
    List<?> items = o instanceof PyTuple t ? t.items() : o instanceof List<?> l ? l : null;
    if (items == null) {
      throw new TensorFormatException(where + ": tensor " + what + " is not a tuple");
    }
    if (items.size() > MAX_RANK) {
      throw new TensorFormatException(
          where + ": tensor rank " + items.size() + " exceeds " + MAX_RANK);
    }
    long[] out = new long[items.size()];
    for (int i = 0; i < out.length; i++) {
      if (!(items.get(i) instanceof Long v)) {
        throw new TensorFormatException(where + ": tensor " + what + "[" + i + "] is not an int");
      }
      out[i] = v;
    }
    return out;
  }
}
