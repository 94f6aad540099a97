package org.fasterdit.data;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Mean and standard deviation of the data, global and per channel, measured on a seeded sample of
 * the training set. They define the extended SNR (FasterDiT: SNR = alpha^2 sigma_d^2 / sigma^2) and
 * the std modulation, and are saved in every checkpoint so sampling inverts the modulation exactly.
 */
public record DataStats(
    double mean, double std, double[] channelMean, double[] channelStd, int samples) {

  public static DataStats measure(Dataset data, int maxSamples, long seed) {
    int n = Math.min(maxSamples, data.size());
    int c = data.channels(), hw = data.height() * data.width();
    double[] sum = new double[c], sq = new double[c];
    SplittableRandom r = new SplittableRandom(seed);
    int[] pick = r.ints(0, data.size()).distinct().limit(n).toArray();
    int chunk = 64; // read in batches: image folders decode a batch in parallel
    float[] buf = new float[chunk * data.sampleFloats()];
    for (int from = 0; from < pick.length; from += chunk) {
      int[] idx = java.util.Arrays.copyOfRange(pick, from, Math.min(pick.length, from + chunk));
      data.readBatch(idx, new boolean[idx.length], buf, new long[idx.length]);
      for (int k = 0; k < idx.length; k++) {
        int base = k * c * hw;
        for (int ch = 0; ch < c; ch++) {
          for (int i = 0; i < hw; i++) {
            double v = buf[base + ch * hw + i];
            sum[ch] += v;
            sq[ch] += v * v;
          }
        }
      }
    }
    double count = (double) n * hw;
    double[] m = new double[c], s = new double[c];
    double tot = 0, totSq = 0;
    for (int ch = 0; ch < c; ch++) {
      m[ch] = sum[ch] / count;
      s[ch] = Math.sqrt(Math.max(sq[ch] / count - m[ch] * m[ch], 0));
      tot += sum[ch];
      totSq += sq[ch];
    }
    double gm = tot / (count * c);
    double gs = Math.sqrt(Math.max(totSq / (count * c) - gm * gm, 0));
    return new DataStats(gm, gs, m, s, n);
  }

  @Override
  public String toString() {
    return String.format(
        java.util.Locale.ROOT,
        "mean=%.4f std=%.4f channel_std=%s (n=%d)",
        mean,
        std,
        Arrays.toString(Arrays.stream(channelStd).map(v -> Math.round(v * 1e4) / 1e4).toArray()),
        samples);
  }
}
