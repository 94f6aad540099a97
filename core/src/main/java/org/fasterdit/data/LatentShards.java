package org.fasterdit.data;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.fasterdit.io.DType;
import org.fasterdit.io.HostTensor;
import org.fasterdit.io.SafeTensors;

/**
 * Pre-extracted latents in safetensors shards, each holding {@code latents} (N, C, H, W)
 * float32/bf16/fp16, optionally {@code latents_flip} (the latents of the mirrored images, since
 * flipping a latent is not flipping the image) and {@code labels} (N) int64. Shards are
 * memory-mapped (zero-copy) for the life of the dataset's arena.
 */
public final class LatentShards implements Dataset {
  private final Arena arena =
      Arena.ofShared(); // lives as long as the dataset: the mappings are read concurrently
  private final List<HostTensor> latents = new ArrayList<>(), flips = new ArrayList<>();
  private final List<long[]> labels = new ArrayList<>();
  private final int[] starts;
  private final int c, h, w, total, numClasses;
  private final boolean hasFlips;
  private final double
      scalingFactor; // from the shards' metadata (vae encode writes it); NaN if absent
  private final Path dir;

  public LatentShards(Path dir) {
    this.dir = dir;
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.filter(p -> p.toString().endsWith(".safetensors")).sorted().toList();
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "cannot list latent shards in " + dir + ": " + e.getMessage());
    }
    if (files.isEmpty()) throw new IllegalArgumentException("no *.safetensors shards in " + dir);
    long[] shape0 = null;
    boolean allFlips = true;
    int maxLabel = 0;
    int[] bounds = new int[files.size() + 1];
    int used =
        0; // shards with at least one latent (a shard whose images were all unreadable is empty)
    double scale = Double.NaN;
    List<Map<String, String>> meta = new ArrayList<>();
    long[] counts = new long[files.size()];
    for (int i = 0; i < files.size(); i++) {
      Path file = files.get(i);
      var st = SafeTensors.read(file, arena);
      var f = st.tensors();
      meta.add(st.metadata());
      HostTensor lat = f.get("latents"), lab = f.get("labels");
      scale = agreeingScale(scale, st.metadata().get("scaling_factor"), file, i == 0);
      if (lat == null || lab == null)
        throw new IllegalArgumentException(file + ": needs tensors 'latents' and 'labels'");
      long[] shape = lat.shape();
      // checked here, not when training first reads a sample: a bad shard names itself at open
      if (shape.length != 4 || shape[1] < 1 || shape[2] < 1 || shape[3] < 1)
        throw new IllegalArgumentException(
            file + ": latents must be (N, C, H, W), got " + Arrays.toString(shape));
      if (!isFloat(lat.dtype()))
        throw new IllegalArgumentException(
            file + ": latents must be float32, bfloat16 or float16, got " + lat.dtype());
      counts[i] = shape[0];
      if (shape[0] == 0) continue;
      if (shape0 == null) shape0 = shape;
      if (!Arrays.equals(Arrays.copyOfRange(shape, 1, 4), Arrays.copyOfRange(shape0, 1, 4))) {
        throw new IllegalArgumentException(
            file
                + ": latent shape "
                + Arrays.toString(shape)
                + " differs from the first shard's "
                + Arrays.toString(shape0));
      }
      // each dim is >= 1 and at most the tensor's size, so the product of two cannot overflow
      if (shape[1] * shape[2] > Integer.MAX_VALUE / shape[3]) {
        throw new IllegalArgumentException(
            file + ": a latent " + Arrays.toString(shape) + " has more than 2^31 values");
      }
      if (lab.rank() != 1 || lab.dtype().isFloatingPoint())
        throw new IllegalArgumentException(
            file
                + ": labels must be a 1-d integer array, got "
                + lab.dtype()
                + " "
                + Arrays.toString(lab.shape()));
      long[] l = lab.toLongArray();
      if (l.length != shape[0])
        throw new IllegalArgumentException(file + ": labels and latents differ in count");
      for (long v : l) {
        if (v < 0 || v >= Integer.MAX_VALUE)
          throw new IllegalArgumentException(file + ": label " + v + " out of range");
        maxLabel = (int) Math.max(maxLabel, v);
      }
      HostTensor fl = f.get("latents_flip");
      if (fl != null && (!Arrays.equals(fl.shape(), shape) || fl.dtype() != lat.dtype())) {
        throw new IllegalArgumentException(
            file
                + ": latents_flip "
                + fl.dtype()
                + " "
                + Arrays.toString(fl.shape())
                + " differs from latents "
                + lat.dtype()
                + " "
                + Arrays.toString(shape));
      }
      allFlips &= fl != null;
      latents.add(lat);
      flips.add(fl);
      labels.add(l);
      bounds[used + 1] = Math.addExact(bounds[used], l.length);
      used++;
    }
    EncodedShards.checkComplete(dir, files, meta, counts);
    if (used == 0) throw new IllegalArgumentException(dir + ": every shard is empty");
    this.c = (int) shape0[1];
    this.h = (int) shape0[2];
    this.w = (int) shape0[3];
    this.starts = Arrays.copyOf(bounds, used + 1);
    this.total = starts[used];
    this.numClasses = maxLabel + 1;
    this.hasFlips = allFlips;
    this.scalingFactor = scale;
  }

  /** Every shard must record the same scaling factor, or none may. */
  private static double agreeingScale(double sofar, String value, Path file, boolean first) {
    double v;
    try {
      v = value == null ? Double.NaN : Double.parseDouble(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          file + ": metadata scaling_factor is not a number: " + value);
    }
    if (value != null && !(v > 0 && v < Double.POSITIVE_INFINITY)) {
      throw new IllegalArgumentException(
          file + ": metadata scaling_factor must be a positive number, got " + value);
    }
    if (first || Double.compare(v, sofar) == 0) return v;
    throw new IllegalArgumentException(
        file + ": scaling_factor " + value + " differs from the other shards' (" + sofar + ")");
  }

  @Override
  public double latentScalingFactor() {
    return scalingFactor;
  }

  private int shard(int index) {
    int i = Arrays.binarySearch(starts, index);
    return i >= 0 ? i : -i - 2;
  }

  @Override
  public String name() {
    return "latents:" + dir;
  }

  @Override
  public int size() {
    return total;
  }

  @Override
  public int channels() {
    return c;
  }

  @Override
  public int height() {
    return h;
  }

  @Override
  public int width() {
    return w;
  }

  @Override
  public int numClasses() {
    return numClasses;
  }

  @Override
  public boolean supportsFlip() {
    return hasFlips;
  }

  @Override
  public int label(int index) {
    int s = shard(index);
    return (int) labels.get(s)[index - starts[s]];
  }

  @Override
  public void read(int index, boolean flip, float[] dst, int offset) {
    int s = shard(index);
    HostTensor t = flip && hasFlips ? flips.get(s) : latents.get(s);
    int n = c * h * w;
    long first = (long) (index - starts[s]) * n;
    readFloats(t, first, n, dst, offset);
  }

  static void readFloats(HostTensor t, long first, int n, float[] dst, int offset) {
    MemorySegment m = t.data();
    switch (t.dtype()) {
      case F32 ->
          MemorySegment.copy(m, ValueLayout.JAVA_FLOAT_UNALIGNED, first * 4, dst, offset, n);
      case BF16 -> {
        for (int i = 0; i < n; i++) {
          dst[offset + i] =
              Float.intBitsToFloat(
                  (m.get(ValueLayout.JAVA_SHORT_UNALIGNED, (first + i) * 2) & 0xFFFF) << 16);
        }
      }
      case F16 -> {
        for (int i = 0; i < n; i++)
          dst[offset + i] =
              Float.float16ToFloat(m.get(ValueLayout.JAVA_SHORT_UNALIGNED, (first + i) * 2));
      }
      default ->
          throw new IllegalArgumentException(
              "latents must be float32, bfloat16 or float16, got " + t.dtype());
    }
  }

  static boolean isFloat(DType d) {
    return d == DType.F32 || d == DType.BF16 || d == DType.F16;
  }
}
