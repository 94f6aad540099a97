package org.fasterdit.latents;

import java.util.Arrays;
import org.fasterdit.data.DataStats;

/**
 * Running per-channel sums of latents (count, sum, sum of squares, in double), so the statistics of
 * a whole extraction are the exact combination of its shards' (each shard stores its own).
 */
public final class ChannelMoments {
  private final double[] sum, sumSq;
  private long perChannel; // values seen per channel

  public ChannelMoments(int channels) {
    sum = new double[channels];
    sumSq = new double[channels];
  }

  /** Adds {@code n} latents of (C, H, W) laid out one after another from {@code x[0]}. */
  public void add(float[] x, int n, int hw) {
    int c = sum.length;
    for (int i = 0; i < n; i++) {
      for (int ch = 0; ch < c; ch++) {
        int base = (i * c + ch) * hw;
        double s = 0, q = 0;
        for (int k = 0; k < hw; k++) {
          double v = x[base + k];
          s += v;
          q += v * v;
        }
        sum[ch] += s;
        sumSq[ch] += q;
      }
    }
    perChannel += (long) n * hw;
  }

  public void add(ChannelMoments o) {
    for (int ch = 0; ch < sum.length; ch++) {
      sum[ch] += o.sum[ch];
      sumSq[ch] += o.sumSq[ch];
    }
    perChannel += o.perChannel;
  }

  public double[] sum() {
    return sum.clone();
  }

  public double[] sumSq() {
    return sumSq.clone();
  }

  public long count() {
    return perChannel;
  }

  static ChannelMoments of(double[] sum, double[] sumSq, long count) {
    if (sum.length != sumSq.length)
      throw new IllegalArgumentException("channel sums differ in length");
    ChannelMoments m = new ChannelMoments(sum.length);
    System.arraycopy(sum, 0, m.sum, 0, sum.length);
    System.arraycopy(sumSq, 0, m.sumSq, 0, sum.length);
    m.perChannel = count;
    return m;
  }

  /** Global and per-channel mean and std; {@code samples} = latents seen. */
  public DataStats stats(int hw) {
    int c = sum.length;
    double[] mean = new double[c], std = new double[c];
    double tot = 0, totSq = 0;
    for (int ch = 0; ch < c; ch++) {
      mean[ch] = sum[ch] / perChannel;
      std[ch] = Math.sqrt(Math.max(sumSq[ch] / perChannel - mean[ch] * mean[ch], 0));
      tot += sum[ch];
      totSq += sumSq[ch];
    }
    double gm = tot / ((double) perChannel * c);
    double gs = Math.sqrt(Math.max(totSq / ((double) perChannel * c) - gm * gm, 0));
    return new DataStats(gm, gs, mean, std, (int) Math.min(Integer.MAX_VALUE, perChannel / hw));
  }

  @Override
  public String toString() {
    return "ChannelMoments(n=" + perChannel + ", sum=" + Arrays.toString(sum) + ")";
  }
}
