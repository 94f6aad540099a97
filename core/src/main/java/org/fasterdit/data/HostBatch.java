package org.fasterdit.data;

/**
 * One rank's slice of a global batch, on the host: {@code x} is (n, C, H, W) float32 row-major,
 * {@code y} the labels, {@code positions} each sample's global position in the data stream (it keys
 * the sample's random stream).
 */
public record HostBatch(long step, float[] x, long[] y, long[] positions, int c, int h, int w) {
  public int n() {
    return y.length;
  }
}
