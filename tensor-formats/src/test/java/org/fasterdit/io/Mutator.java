package org.fasterdit.io;

import java.util.Arrays;
import java.util.Random;

/** Structure-unaware byte mutations, biased toward headers and zip trailers where fields live. */
public final class Mutator {
  private static final long[] HUGE = {
    0xFFFFFFFFL,
    0x7FFFFFFFL,
    0x80000000L,
    0xFFFFFFFFFFFFFFFFL,
    0x7FFFFFFFFFFFFFFFL,
    0x8000000000000000L,
    1L << 40,
    -1,
    -8,
    0
  };

  private Mutator() {}

  public static byte[] mutate(byte[] seed, Random r) {
    byte[] b = seed.clone();
    int rounds = 1 + r.nextInt(3);
    for (int k = 0; k < rounds; k++) {
      b = once(b, r);
    }
    return b;
  }

  /**
   * Mutates only the {@code width} bytes at {@code start} (a header or trailer where a format's
   * fields live) and splices the result, whatever its new length, back between the untouched rest.
   */
  public static byte[] mutateWindow(byte[] seed, int start, int width, Random r) {
    byte[] win = mutate(Arrays.copyOfRange(seed, start, start + width), r);
    byte[] out = new byte[seed.length - width + win.length];
    System.arraycopy(seed, 0, out, 0, start);
    System.arraycopy(win, 0, out, start, win.length);
    System.arraycopy(seed, start + width, out, start + win.length, seed.length - start - width);
    return out;
  }

  private static byte[] once(byte[] b, Random r) {
    if (b.length == 0) {
      return new byte[] {(byte) r.nextInt()};
    }
    int pos = position(b.length, r);
    switch (r.nextInt(9)) {
      case 0 -> {
        return Arrays.copyOf(b, pos);
      }
      case 1 -> {
        for (int i = 0, n = 1 + r.nextInt(8); i < n; i++) {
          int p = position(b.length, r);
          b[p] ^= (byte) (1 << r.nextInt(8));
        }
      }
      case 2 -> b[pos] = (byte) r.nextInt();
      case 3 -> put(b, pos, HUGE[r.nextInt(HUGE.length)], 4);
      case 4 -> put(b, pos, HUGE[r.nextInt(HUGE.length)], 8);
      case 5 -> {
        byte[] ins = new byte[1 + r.nextInt(16)];
        r.nextBytes(ins);
        byte[] out = new byte[b.length + ins.length];
        System.arraycopy(b, 0, out, 0, pos);
        System.arraycopy(ins, 0, out, pos, ins.length);
        System.arraycopy(b, pos, out, pos + ins.length, b.length - pos);
        return out;
      }
      case 6 -> {
        int n = Math.min(b.length - pos, 1 + r.nextInt(16));
        byte[] out = new byte[b.length - n];
        System.arraycopy(b, 0, out, 0, pos);
        System.arraycopy(b, pos + n, out, pos, b.length - pos - n);
        return out;
      }
      case 7 -> {
        int n = Math.min(b.length - pos, 1 + r.nextInt(32));
        int dst = position(b.length, r);
        System.arraycopy(b, pos, b, dst, Math.min(n, b.length - dst));
      }
      default -> b[pos] = (byte) (b[pos] + (r.nextInt(33) - 16));
    }
    return b;
  }

  private static int position(int len, Random r) {
    return switch (r.nextInt(4)) {
      case 0, 1 -> r.nextInt(Math.min(len, 96));
      case 2 -> Math.max(0, len - 1 - r.nextInt(Math.min(len, 160)));
      default -> r.nextInt(len);
    };
  }

  private static void put(byte[] b, int pos, long v, int n) {
    for (int i = 0; i < n && pos + i < b.length; i++) {
      b[pos + i] = (byte) (v >>> (8 * i));
    }
  }
}
