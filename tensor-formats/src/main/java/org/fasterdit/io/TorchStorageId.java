package org.fasterdit.io;

/**
 * A storage's persistent id as torch.save pickles it: {@code ('storage', torch.XStorage, key,
 * location, numel)} in the zip format, with a sixth element {@code view_metadata} (None, or {@code
 * (view_key, offset, size)} in elements) in the legacy format.
 */
record TorchStorageId(String key, DType dtype, String location, long numel, Object view) {

  /** Checks the tuple's shape and types; {@code arity} is 5 (zip) or 6 (legacy). */
  static TorchStorageId parse(String where, Object pid, int arity) {
    if (!(pid instanceof PyTuple t) || t.size() != arity || !"storage".equals(t.get(0))) {
      throw new TensorFormatException(
          where
              + ": unsupported persistent id "
              + (pid instanceof String ? "'" + pid + "'" : RestrictedUnpickler.typeName(pid)));
    }
    if (!(t.get(1) instanceof PyGlobal type)
        || !type.module().equals("torch")
        || !type.name().endsWith("Storage")) {
      throw new TensorFormatException(where + ": storage type is not a torch storage class");
    }
    if (!(t.get(2) instanceof String key)
        || !(t.get(3) instanceof String location)
        || !(t.get(4) instanceof Long numel)
        || numel < 0) {
      throw new TensorFormatException(where + ": malformed storage persistent id");
    }
    DType dtype = DType.fromTorchStorage(where, type.name());
    return new TorchStorageId(key, dtype, location, numel, arity > 5 ? t.get(5) : null);
  }

  /** numel * element size, failing cleanly on overflow. */
  long byteSize(String where) {
    try {
      return Math.multiplyExact(numel, (long) dtype.byteSize());
    } catch (ArithmeticException ex) {
      throw new TensorFormatException(where + ": storage '" + key + "' size overflows");
    }
  }

  /** Fails when the same key was seen before with another dtype or size. */
  void checkSame(String where, TorchStorage seen) {
    if (seen.dtype() != dtype || seen.numel() != numel) {
      throw new TensorFormatException(
          where + ": storage '" + key + "' is referenced with conflicting dtype or size");
    }
  }
}
