package org.fasterdit.inception;

import java.util.Arrays;

/**
 * What FID Inception computes for a batch of images, as flat row-major float arrays (image i's
 * pool3 is {@code pool3()[i * POOL3_DIM .. (i + 1) * POOL3_DIM)}):
 *
 * <ul>
 *   <li>{@code pool3}: the 2048 outputs of the final adaptive average pool (FID, precision/recall);
 *   <li>{@code logits}: the 1008 outputs of the fc layer, before any softmax (Inception Score);
 *   <li>{@code spatial}: the TF graph's {@code mixed_6/conv} = Mixed_6d.branch1x1 after its ReLU,
 *       first 7 channels of 17x17, flattened height, width, channel (TF's NHWC order, as ADM's
 *       evaluator flattens it): 2023 values (sFID).
 * </ul>
 */
public final class InceptionFeatures {
  public static final int POOL3_DIM = 2048;
  public static final int LOGITS_DIM = 1008;
  public static final int SPATIAL_CHANNELS = 7;
  public static final int SPATIAL_SIZE = 17;
  public static final int SPATIAL_DIM = SPATIAL_SIZE * SPATIAL_SIZE * SPATIAL_CHANNELS;

  private final int count;
  private final float[] pool3;
  private final float[] logits;
  private final float[] spatial;

  InceptionFeatures(int count, float[] pool3, float[] logits, float[] spatial) {
    if (pool3.length != (long) count * POOL3_DIM
        || logits.length != (long) count * LOGITS_DIM
        || spatial.length != (long) count * SPATIAL_DIM) {
      throw new IllegalArgumentException("feature arrays do not hold " + count + " images");
    }
    this.count = count;
    this.pool3 = pool3;
    this.logits = logits;
    this.spatial = spatial;
  }

  /** Number of images. */
  public int count() {
    return count;
  }

  /** All pool3 features, (count, 2048) row-major; the array itself, not a copy. */
  public float[] pool3() {
    return pool3;
  }

  /** All logits, (count, 1008) row-major; the array itself, not a copy. */
  public float[] logits() {
    return logits;
  }

  /** All spatial features, (count, 2023) row-major; the array itself, not a copy. */
  public float[] spatial() {
    return spatial;
  }

  public float[] pool3(int image) {
    return row(pool3, image, POOL3_DIM);
  }

  public float[] logits(int image) {
    return row(logits, image, LOGITS_DIM);
  }

  public float[] spatial(int image) {
    return row(spatial, image, SPATIAL_DIM);
  }

  private float[] row(float[] all, int image, int dim) {
    if (image < 0 || image >= count) {
      throw new IndexOutOfBoundsException("image " + image + " of " + count);
    }
    return Arrays.copyOfRange(all, image * dim, (image + 1) * dim);
  }
}
