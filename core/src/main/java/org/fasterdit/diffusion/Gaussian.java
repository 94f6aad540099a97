package org.fasterdit.diffusion;

/**
 * Standard-normal pdf and cdf; the JDK has neither and this module must not pull in a maths library
 * for two functions.
 */
final class Gaussian {
  private static final double INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

  private Gaussian() {}

  static double pdf(double z) {
    return INV_SQRT_2PI * Math.exp(-0.5 * z * z);
  }

  /** Phi(z) = erfc(-z / sqrt 2) / 2. */
  static double cdf(double z) {
    if (z == Double.POSITIVE_INFINITY) return 1;
    if (z == Double.NEGATIVE_INFINITY) return 0;
    return 0.5 * erfc(-z / Math.sqrt(2));
  }

  /**
   * Complementary error function by the classic Chebyshev-fitted exponential form (fractional error
   * below 1.2e-7 everywhere, tails included), ample for probability masses that are compared at
   * 1e-3.
   */
  static double erfc(double x) {
    double z = Math.abs(x);
    double t = 1 / (1 + 0.5 * z);
    double poly =
        -z * z
            - 1.26551223
            + t
                * (1.00002368
                    + t
                        * (0.37409196
                            + t
                                * (0.09678418
                                    + t
                                        * (-0.18628806
                                            + t
                                                * (0.27886807
                                                    + t
                                                        * (-1.13520398
                                                            + t
                                                                * (1.48851587
                                                                    + t
                                                                        * (-0.82215223
                                                                            + t
                                                                                * 0.17087277))))))));
    double r = t * Math.exp(poly);
    return x >= 0 ? r : 2 - r;
  }
}
