package org.fasterdit.io;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Emits pickle opcodes by hand, for tests that need exact (or hostile) opcode streams. */
final class PickleBuilder {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  PickleBuilder op(PickleOp op) {
    out.write(op.code);
    return this;
  }

  PickleBuilder raw(int... bytes) {
    for (int b : bytes) {
      out.write(b);
    }
    return this;
  }

  PickleBuilder text(String s) {
    out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
    return this;
  }

  PickleBuilder proto(int v) {
    return op(PickleOp.PROTO).raw(v);
  }

  PickleBuilder global(String module, String name) {
    return op(PickleOp.GLOBAL).text(module + "\n" + name + "\n");
  }

  PickleBuilder str(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    op(PickleOp.BINUNICODE).le32(b.length);
    out.writeBytes(b);
    return this;
  }

  PickleBuilder shortStr(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    op(PickleOp.SHORT_BINUNICODE).raw(b.length);
    out.writeBytes(b);
    return this;
  }

  PickleBuilder stackGlobal(String module, String name) {
    return shortStr(module).shortStr(name).op(PickleOp.STACK_GLOBAL);
  }

  PickleBuilder integer(long v) {
    if (v >= 0 && v < 256) {
      return op(PickleOp.BININT1).raw((int) v);
    }
    if (v >= 0 && v < 65536) {
      return op(PickleOp.BININT2).raw((int) v & 0xFF, (int) (v >>> 8));
    }
    if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
      return op(PickleOp.BININT).le32((int) v);
    }
    op(PickleOp.LONG1).raw(8);
    for (int i = 0; i < 8; i++) {
      out.write((int) (v >>> (8 * i)));
    }
    return this;
  }

  PickleBuilder le32(int v) {
    return raw(v & 0xFF, (v >>> 8) & 0xFF, (v >>> 16) & 0xFF, v >>> 24);
  }

  PickleBuilder binput(int i) {
    return op(PickleOp.BINPUT).raw(i);
  }

  PickleBuilder binget(int i) {
    return op(PickleOp.BINGET).raw(i);
  }

  PickleBuilder longTuple(long... vs) {
    op(PickleOp.MARK);
    for (long v : vs) {
      integer(v);
    }
    return op(PickleOp.TUPLE);
  }

  /** An empty OrderedDict, as torch writes backward_hooks. */
  PickleBuilder emptyOrderedDict() {
    return global("collections", "OrderedDict").op(PickleOp.EMPTY_TUPLE).op(PickleOp.REDUCE);
  }

  /** The exact opcode shape torch.save uses for a tensor: _rebuild_tensor_v2(...) REDUCE. */
  PickleBuilder tensor(
      String storageClass, String key, long storageNumel, long offset, long[] size, long[] stride) {
    global("torch._utils", "_rebuild_tensor_v2").op(PickleOp.MARK);
    op(PickleOp.MARK)
        .str("storage")
        .global("torch", storageClass)
        .str(key)
        .str("cpu")
        .integer(storageNumel)
        .op(PickleOp.TUPLE)
        .op(PickleOp.BINPERSID);
    integer(offset).longTuple(size).longTuple(stride).op(PickleOp.NEWFALSE).emptyOrderedDict();
    return op(PickleOp.TUPLE).op(PickleOp.REDUCE);
  }

  PickleBuilder stop() {
    return op(PickleOp.STOP);
  }

  byte[] bytes() {
    return out.toByteArray();
  }
}
