package org.fasterdit.io;

import java.math.BigInteger;

/** LONG1/LONG4 payloads: little-endian two's complement integers of any width. */
final class PickleLongs {
  private PickleLongs() {}

  /** Returns a Long when the value fits, else a BigInteger; empty input is 0 as in Python. */
  static Object decode(byte[] le) {
    if (le.length == 0) {
      return 0L;
    }
    byte[] be = new byte[le.length];
    for (int i = 0; i < le.length; i++) {
      be[i] = le[le.length - 1 - i];
    }
    return PickleStrings.narrow(new BigInteger(be));
  }
}
