package org.fasterdit.io;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Writes a state dict the way {@code torch.save(model.state_dict(), f)} does, so PyTorch's {@code
 * torch.load(f, weights_only=True)} and code that calls {@code
 * model.load_state_dict(torch.load(f))} read it directly: a zip archive with {@code
 * archive/data.pkl} (a protocol-2 pickle of an {@code OrderedDict} of tensors), one stored, 64-byte
 * aligned {@code archive/data/N} record per tensor, and {@code archive/version}. The pickle names
 * only globals that the weights-only unpickler allows ({@code collections.OrderedDict}, {@code
 * torch._utils._rebuild_tensor_v2}, the typed storages). See docs/checkpoint-export.md.
 */
public final class TorchSave {
  private TorchSave() {}

  /** Writes {@code tensors} (contiguous, little-endian) to {@code path} atomically. */
  public static void write(Path path, Map<String, HostTensor> tensors) {
    Pickle p = new Pickle();
    p.proto2();
    p.global("collections", "OrderedDict").emptyTuple().reduce();
    p.mark();
    int key = 0;
    for (Map.Entry<String, HostTensor> e : tensors.entrySet()) {
      HostTensor t = e.getValue();
      p.unicode(e.getKey());
      p.global("torch._utils", "_rebuild_tensor_v2");
      p.mark();
      // storage: persistent id ("storage", storage type, key, location, element count)
      p.mark()
          .unicode("storage")
          .global("torch", storageType(t.dtype()))
          .unicode(Integer.toString(key));
      p.unicode("cpu").integer(t.numel()).tuple().persistentId();
      p.integer(0); // storage offset
      p.mark();
      for (long d : t.shape()) p.integer(d);
      p.tuple();
      p.mark();
      for (long s : contiguousStrides(t.shape())) p.integer(s);
      p.tuple();
      p.newFalse(); // requires_grad
      p.global("collections", "OrderedDict").emptyTuple().reduce(); // backward hooks
      p.tuple().reduce();
      key++;
    }
    p.setItems().stop();
    AtomicFiles.write(
        path,
        ch -> {
          ZipWriter zw = new ZipWriter(ch);
          zw.addStored("archive/data.pkl", List.of(MemorySegment.ofArray(p.bytes())), 64);
          int k = 0;
          for (HostTensor t : tensors.values()) {
            zw.addStored("archive/data/" + k++, List.of(t.data()), 64);
          }
          zw.addStored("archive/version", List.of(MemorySegment.ofArray(ascii("3\n"))), 64);
          zw.finish();
        });
  }

  static String storageType(DType d) {
    return switch (d) {
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

  static long[] contiguousStrides(long[] shape) {
    long[] s = new long[shape.length];
    long step = 1;
    for (int i = shape.length - 1; i >= 0; i--) {
      s[i] = step;
      step *= shape[i];
    }
    return s;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /** The pickle opcodes used above (Python's pickletools names). */
  private static final class Pickle {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    void proto2() {
      out.write(0x80);
      out.write(2);
    }

    Pickle global(String module, String name) {
      out.write('c');
      out.writeBytes(ascii(module + "\n" + name + "\n"));
      return this;
    }

    Pickle emptyTuple() {
      out.write(')');
      return this;
    }

    Pickle reduce() {
      out.write('R');
      return this;
    }

    Pickle mark() {
      out.write('(');
      return this;
    }

    Pickle tuple() {
      out.write('t');
      return this;
    }

    Pickle persistentId() {
      out.write('Q');
      return this;
    }

    Pickle newFalse() {
      out.write(0x89);
      return this;
    }

    Pickle setItems() {
      out.write('u');
      return this;
    }

    Pickle stop() {
      out.write('.');
      return this;
    }

    /** BINUNICODE: a 4-byte little-endian length, then UTF-8. */
    Pickle unicode(String s) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      out.write('X');
      le(b.length, 4);
      out.writeBytes(b);
      return this;
    }

    /** BININT (signed 32-bit) where it fits, else LONG1 with 8 little-endian bytes. */
    Pickle integer(long v) {
      if (v == (int) v) {
        out.write('J');
        le(v, 4);
      } else {
        out.write(0x8a);
        out.write(8);
        le(v, 8);
      }
      return this;
    }

    private void le(long v, int n) {
      for (int i = 0; i < n; i++) out.write((int) (v >>> (8 * i)));
    }

    byte[] bytes() {
      return out.toByteArray();
    }
  }
}
