package org.fasterdit.torch;

import org.bytedeco.pytorch.Scalar;

/** Short names for LibTorch scalars, which every arithmetic call with a constant needs. */
public final class Scalars {
  private Scalars() {}

  public static Scalar of(double v) {
    return new Scalar(v);
  }

  public static Scalar of(long v) {
    return new Scalar(v);
  }
}
