package org.fasterdit.latents;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.fasterdit.data.ImageFolder;
import org.fasterdit.io.AtomicFiles;
import org.fasterdit.io.HostTensor;
import org.fasterdit.io.SafeTensors;
import org.fasterdit.torch.HostRandom;
import org.fasterdit.torch.NativeScope;
import org.fasterdit.torch.NoGrad;
import org.fasterdit.torch.Scalars;
import org.fasterdit.torch.Tensors;
import org.fasterdit.train.ProgressSink;

/**
 * Image folder to latent shards, as {@code --dataset=shards:DIR} reads them: per shard {@code
 * latents} and {@code latents_flip} (N, C, h, w) float32, the VAE latents of each centre-cropped
 * image and of its mirror image, multiplied by the scaling factor (the DiT convention: x 0.18215),
 * and {@code labels} (N) int64; in the metadata the scaling factor, the per-channel sums of the
 * stored latents, and the files that could not be read (skipped).
 *
 * <p>Resumable: shards are written whole and atomically, and a shard already on disk with the same
 * settings is kept, so a killed run continues where it stopped; the temp file of the shard it was
 * writing when killed is removed. Ranks write disjoint shards ({@link ShardPlan}). A posterior
 * sample draws its noise from (seed, image index), so a shard's bytes do not depend on the batch
 * size, the rank count or a restart.
 */
public final class LatentExtraction {
  public static final String FORMAT = "fasterdit-latents-1";
  static final long STREAM_IMAGE = 21, STREAM_FLIP = 22;

  /** The encoder's Gaussian posterior for a batch of images in [-1, 1]: mean and std, unscaled. */
  @FunctionalInterface
  public interface Encoder {
    Tensor[] meanAndStd(Tensor images);
  }

  /**
   * @param latent "sample" (DiT/fast-DiT: one posterior sample per image) or "mean"
   * @param source what was encoded (recorded in the metadata), e.g. the folder and the VAE file
   */
  public record Settings(
      Path out,
      int imageSize,
      int batch,
      int shardSize,
      String latent,
      double scalingFactor,
      long seed,
      int rank,
      int world,
      String source) {
    public Settings {
      if (batch < 1) throw new IllegalArgumentException("--batch must be >= 1, got " + batch);
      if (!latent.equals("sample") && !latent.equals("mean"))
        throw new IllegalArgumentException("--latent must be sample or mean, got '" + latent + "'");
      if (!(scalingFactor > 0))
        throw new IllegalArgumentException("scaling factor must be > 0, got " + scalingFactor);
    }
  }

  /** What one rank did; {@code summary} is null while other ranks' shards are missing. */
  public record Result(
      int written, int kept, int images, int skipped, double seconds, Path summary) {}

  private LatentExtraction() {}

  public static Result run(
      ImageFolder folder,
      Encoder encoder,
      Device device,
      Settings s,
      ProgressSink.Factory progress,
      PrintStream log) {
    ShardPlan plan = new ShardPlan(folder.size(), s.shardSize());
    List<Integer> mine = plan.forRank(s.rank(), s.world());
    int todoImages = 0, kept = 0, doneImages = 0;
    List<Integer> todo = new ArrayList<>();
    int removed = removeInterruptedWrites(s, mine);
    if (removed > 0)
      log.printf(
          Locale.ROOT,
          "rank %d: removed %d unfinished temp file(s) an interrupted run left in %s%n",
          s.rank(),
          removed,
          s.out());
    for (int k : mine) {
      Path f = ShardPlan.file(s.out(), k);
      if (Files.exists(f)) {
        ShardMeta.checkResumable(f, s, plan, k);
        kept++;
        doneImages += plan.count(k);
      } else {
        todo.add(k);
        todoImages += plan.count(k);
      }
    }
    log.printf(
        Locale.ROOT,
        "rank %d of %d: %d shards of %d images (%d already complete), %d images to encode%n",
        s.rank(),
        s.world(),
        mine.size(),
        s.shardSize(),
        kept,
        todoImages);
    long t0 = System.nanoTime();
    int written = 0, images = 0, skipped = 0;
    ExecutorService ahead =
        Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().factory());
    try (ProgressSink bar = progress.open("vae encode", doneImages, doneImages + todoImages, log)) {
      for (int k : todo) {
        Shard shard = encodeShard(folder, encoder, device, s, plan, k, ahead, doneImages, bar, t0);
        ShardMeta.write(ShardPlan.file(s.out(), k), shard, s, plan, k);
        written++;
        images += shard.n;
        skipped += shard.skipped.size();
        doneImages += plan.count(k);
      }
    } finally {
      ahead.shutdownNow();
    }
    double secs = (System.nanoTime() - t0) / 1e9;
    Path summary = ShardMeta.summarizeIfComplete(s.out(), plan, s);
    return new Result(written, kept, images, skipped, secs, summary);
  }

  /**
   * Deletes what a killed run of this rank left half written: the temp files of its own shards (no
   * other rank writes them) and, when it is the only rank, of the summary (under several ranks any
   * of them may be writing the summary right now; a leftover there is hidden and never read).
   */
  private static int removeInterruptedWrites(Settings s, List<Integer> mine) {
    int n = 0;
    for (int k : mine)
      n +=
          AtomicFiles.deleteInterruptedWrites(
                  s.out(), ShardPlan.file(s.out(), k).getFileName().toString())
              .size();
    if (s.world() == 1) n += AtomicFiles.deleteInterruptedWrites(s.out(), ShardMeta.SUMMARY).size();
    return n;
  }

  /** The latents of one shard, on the host. */
  static final class Shard {
    float[] latents, flips;
    long[] labels;
    int n, c, h, w;
    ChannelMoments moments;
    final List<String> skipped = new ArrayList<>();
  }

  private static Shard encodeShard(
      ImageFolder folder,
      Encoder encoder,
      Device device,
      Settings s,
      ShardPlan plan,
      int k,
      ExecutorService ahead,
      int doneBefore,
      ProgressSink bar,
      long t0) {
    int first = plan.first(k), count = plan.count(k);
    Shard shard = new Shard();
    List<float[]> lat = new ArrayList<>(), flp = new ArrayList<>();
    List<Long> labels = new ArrayList<>();
    CompletableFuture<byte[][]> next =
        decodeAsync(folder, first, Math.min(s.batch(), count), ahead);
    for (int from = 0; from < count; from += s.batch()) {
      int n = Math.min(s.batch(), count - from);
      byte[][] px = next.join();
      int nextFrom = from + s.batch();
      if (nextFrom < count) // decode the next batch while this one encodes
      next = decodeAsync(folder, first + nextFrom, Math.min(s.batch(), count - nextFrom), ahead);
      List<Integer> ok = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        if (px[i] == null) shard.skipped.add(folder.file(first + from + i).toString());
        else ok.add(i);
      }
      if (!ok.isEmpty()) {
        int[] index = new int[ok.size()];
        byte[][] good = new byte[ok.size()][];
        for (int j = 0; j < index.length; j++) {
          index[j] = first + from + ok.get(j);
          good[j] = px[ok.get(j)];
          labels.add((long) folder.label(index[j]));
        }
        float[][] z = encodeBatch(encoder, device, s, good, index, shard);
        lat.add(z[0]);
        flp.add(z[1]);
      }
      int done = doneBefore + from + n;
      double rate = (done - doneBefore) / Math.max((System.nanoTime() - t0) / 1e9, 1e-9);
      bar.update(
          done, String.format(Locale.ROOT, "shard %d  %.1f img/s", k, rate), from + n >= count);
    }
    shard.n = labels.size();
    shard.labels = labels.stream().mapToLong(Long::longValue).toArray();
    int per = shard.c * shard.h * shard.w;
    shard.latents = concat(lat, shard.n * per);
    shard.flips = concat(flp, shard.n * per);
    shard.moments = new ChannelMoments(Math.max(shard.c, 1));
    if (shard.n > 0) {
      shard.moments.add(shard.latents, shard.n, shard.h * shard.w);
      shard.moments.add(shard.flips, shard.n, shard.h * shard.w);
    }
    return shard;
  }

  private static CompletableFuture<byte[][]> decodeAsync(
      ImageFolder folder, int from, int n, ExecutorService ahead) {
    int[] idx = new int[n];
    for (int i = 0; i < n; i++) idx[i] = from + i;
    return CompletableFuture.supplyAsync(() -> folder.decodeAll(idx), ahead);
  }

  /** Latents (scaled) of the images and of their mirror images, as host arrays. */
  private static float[][] encodeBatch(
      Encoder encoder, Device device, Settings s, byte[][] px, int[] index, Shard shard) {
    int n = px.length, size = s.imageSize(), per = 3 * size * size;
    float[] x = new float[2 * n * per];
    for (int i = 0; i < n; i++) {
      byte[] p = px[i];
      for (int row = 0; row < 3 * size; row++) {
        for (int col = 0; col < size; col++) {
          float v = (p[row * size + col] & 0xFF) / 127.5f - 1f;
          x[i * per + row * size + col] = v;
          x[(n + i) * per + row * size + (size - 1 - col)] = v; // the mirror image
        }
      }
    }
    try (var scope = NativeScope.open();
        var ng = NoGrad.on()) {
      Tensor images = HostRandom.onDevice(Tensors.ofFloats(x, 2L * n, 3, size, size), device);
      Tensor[] ms = encoder.meanAndStd(images);
      Tensor z = ms[0];
      if (s.latent().equals("sample")) {
        HostRandom[] rngs = new HostRandom[2 * n];
        for (int i = 0; i < n; i++) {
          rngs[i] = HostRandom.forStep(s.seed(), index[i], STREAM_IMAGE, 0);
          rngs[n + i] = HostRandom.forStep(s.seed(), index[i], STREAM_FLIP, 0);
        }
        Tensor eps = HostRandom.gaussian(rngs, device, z.size(1), z.size(2), z.size(3));
        z = z.add(ms[1].mul(eps));
      }
      z = z.mul(Scalars.of(s.scalingFactor()));
      shard.c = (int) z.size(1);
      shard.h = (int) z.size(2);
      shard.w = (int) z.size(3);
      float[] all = Tensors.toFloats(z);
      int half = n * shard.c * shard.h * shard.w;
      return new float[][] {
        java.util.Arrays.copyOfRange(all, 0, half),
        java.util.Arrays.copyOfRange(all, half, 2 * half)
      };
    }
  }

  private static float[] concat(List<float[]> parts, int total) {
    float[] out = new float[total];
    int at = 0;
    for (float[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }

  /** The shard's tensors as the safetensors file stores them. */
  static Map<String, HostTensor> tensors(Shard shard) {
    Map<String, HostTensor> t = new LinkedHashMap<>();
    long[] shape = {shard.n, shard.c, shard.h, shard.w};
    t.put("latents", HostTensor.ofFloats(shape, shard.latents));
    t.put("latents_flip", HostTensor.ofFloats(shape, shard.flips));
    t.put("labels", HostTensor.ofLongs(new long[] {shard.n}, shard.labels));
    return t;
  }

  static void write(Path file, Shard shard, Map<String, String> meta) {
    SafeTensors.write(file, tensors(shard), meta);
  }
}
