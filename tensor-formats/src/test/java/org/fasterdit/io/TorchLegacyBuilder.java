package org.fasterdit.io;

import java.io.ByteArrayOutputStream;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Builds torch.save's legacy (pre-1.6) stream around a hand-made object pickle: magic number,
 * protocol version and sys-info pickles, the object pickle, the storage key list, then each storage
 * as an int64 element count and its bytes. For tests and fuzz seeds.
 */
final class TorchLegacyBuilder {
  private final byte[] object;
  private final Map<String, byte[]> storages = new LinkedHashMap<>();
  private final Map<String, Integer> elementSizes = new LinkedHashMap<>();
  private long version = TorchLegacy.PROTOCOL_VERSION;

  TorchLegacyBuilder(byte[] objectPickle) {
    this.object = objectPickle;
  }

  TorchLegacyBuilder storage(String key, int elementSize, byte[] littleEndian) {
    storages.put(key, littleEndian);
    elementSizes.put(key, elementSize);
    return this;
  }

  TorchLegacyBuilder version(long v) {
    this.version = v;
    return this;
  }

  byte[] toBytes() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] magic = TorchLegacy.MAGIC.toByteArray(); // big-endian, no sign byte needed here
    PickleBuilder m = new PickleBuilder().proto(2).op(PickleOp.LONG1).raw(magic.length);
    for (int i = magic.length - 1; i >= 0; i--) m.raw(magic[i] & 0xFF);
    out.writeBytes(m.stop().bytes());
    out.writeBytes(new PickleBuilder().proto(2).integer(version).stop().bytes());
    out.writeBytes(
        new PickleBuilder()
            .proto(2)
            .op(PickleOp.EMPTY_DICT)
            .op(PickleOp.MARK)
            .str("protocol_version")
            .integer(version)
            .str("little_endian")
            .op(PickleOp.NEWTRUE)
            .op(PickleOp.SETITEMS)
            .stop()
            .bytes());
    out.writeBytes(object);
    PickleBuilder keys = new PickleBuilder().proto(2).op(PickleOp.EMPTY_LIST).op(PickleOp.MARK);
    storages.keySet().forEach(keys::str);
    out.writeBytes(keys.op(PickleOp.APPENDS).stop().bytes());
    for (var e : storages.entrySet()) {
      long count = e.getValue().length / elementSizes.get(e.getKey());
      out.writeBytes(HostTensor.ofLongs(new long[] {1}, new long[] {count}).toByteArray());
      out.writeBytes(e.getValue());
    }
    return out.toByteArray();
  }

  /**
   * A tensor pickle in the legacy layout: the storage's persistent id has a sixth element, view
   * metadata (None, or (view_key, offset, size) when {@code viewKey} is given).
   */
  static PickleBuilder tensor(
      PickleBuilder p,
      String storageClass,
      String key,
      long storageNumel,
      String viewKey,
      long viewOffset,
      long viewSize,
      long offset,
      long[] size,
      long[] stride) {
    p.global("torch._utils", "_rebuild_tensor_v2").op(PickleOp.MARK);
    p.op(PickleOp.MARK)
        .str("storage")
        .global("torch", storageClass)
        .str(key)
        .str("cpu")
        .integer(storageNumel);
    if (viewKey == null) {
      p.op(PickleOp.NONE);
    } else {
      p.op(PickleOp.MARK).str(viewKey).integer(viewOffset).integer(viewSize).op(PickleOp.TUPLE);
    }
    p.op(PickleOp.TUPLE).op(PickleOp.BINPERSID);
    p.integer(offset).longTuple(size).longTuple(stride).op(PickleOp.NEWFALSE).emptyOrderedDict();
    return p.op(PickleOp.TUPLE).op(PickleOp.REDUCE);
  }

  /** {"w": 2x3 floats 0..5 of storage "0", "v": the view [2, 5) of storage "0", "p": longs}. */
  static byte[] seed() {
    PickleBuilder p = new PickleBuilder().proto(2).op(PickleOp.EMPTY_DICT).op(PickleOp.MARK);
    p.str("w");
    tensor(p, "FloatStorage", "0", 6, null, 0, 0, 0, new long[] {2, 3}, new long[] {3, 1});
    p.str("v");
    tensor(p, "FloatStorage", "0", 6, "0v", 2, 3, 0, new long[] {3}, new long[] {1});
    p.str("p");
    tensor(p, "LongStorage", "1", 3, null, 0, 0, 0, new long[] {3}, new long[] {1});
    byte[] pickle = p.op(PickleOp.SETITEMS).stop().bytes();
    return new TorchLegacyBuilder(pickle)
        .storage("0", 4, TorchZipBuilder.floats(0, 1, 2, 3, 4, 5))
        .storage("1", 8, TorchZipBuilder.longs(7, 8, 9))
        .toBytes();
  }
}
