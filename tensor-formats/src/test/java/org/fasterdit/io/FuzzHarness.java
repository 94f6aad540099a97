package org.fasterdit.io;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Runs one reader on one input and classifies the result. Anything other than success or a {@link
 * TensorFormatException} (another exception, OutOfMemoryError, StackOverflowError) is a bug;
 * successful parses are walked to check that every tensor's bytes are really readable.
 */
final class FuzzHarness {
  enum Outcome {
    OK,
    REJECTED,
    BUG
  }

  record Result(Outcome outcome, Throwable error) {}

  private FuzzHarness() {}

  static Result run(String reader, byte[] input) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment seg = arena.allocate(Math.max(1, input.length)).asSlice(0, input.length);
      MemorySegment.copy(MemorySegment.ofArray(input), 0, seg, 0, input.length);
      Object parsed =
          switch (reader) {
            case "npy" -> Npy.read("fuzz.npy", seg);
            case "npz" -> Npz.read("fuzz.npz", seg);
            case "safetensors" -> SafeTensors.read("fuzz.safetensors", seg).tensors();
            case "idx" -> Idx.read("fuzz.idx", seg);
            case "pt", "legacy" -> TorchCheckpoint.read("fuzz.pt", seg);
            case "pkl" -> {
              byte[] zip = FuzzSeeds.wrapPickle(input);
              yield TorchCheckpoint.read("fuzz.pt", MemorySegment.ofArray(zip));
            }
            default -> throw new IllegalArgumentException(reader);
          };
      verify(parsed, new IdentityHashMap<>(), 0);
      return new Result(Outcome.OK, null);
    } catch (TensorFormatException e) {
      return new Result(Outcome.REJECTED, e);
    } catch (Throwable t) {
      return new Result(Outcome.BUG, t);
    }
  }

  /** Touches the first and last element of every tensor (bounds and shape consistency). */
  private static void verify(Object o, IdentityHashMap<Object, Boolean> seen, int depth) {
    if (o instanceof HostTensor t) {
      long n = t.numel();
      if (t.data().byteSize() != n * t.dtype().byteSize()) {
        throw new AssertionError("inconsistent tensor " + t);
      }
      if (n > 0) {
        t.getDouble(0);
        t.getDouble(n - 1);
      }
      return;
    }
    if (o == null || depth > 200 || seen.put(o, Boolean.TRUE) != null) {
      return;
    }
    if (o instanceof Map<?, ?> m) {
      for (Map.Entry<?, ?> e : m.entrySet()) {
        verify(e.getKey(), seen, depth + 1);
        verify(e.getValue(), seen, depth + 1);
      }
    } else if (o instanceof Collection<?> c) {
      for (Object x : c) {
        verify(x, seen, depth + 1);
      }
    } else if (o instanceof PyTuple t) {
      verify(t.items(), seen, depth + 1);
    } else if (o instanceof PyNamespace ns) {
      verify(ns.attributes(), seen, depth + 1);
    }
  }
}
