package org.fasterdit.latents;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.fasterdit.data.DataStats;
import org.fasterdit.io.AtomicFiles;
import org.fasterdit.io.SafeTensors;

/**
 * The metadata of a latent shard (strings, as safetensors stores them) and the extraction's summary
 * file {@code latents_stats.json}: per-channel mean and std over every stored latent (images and
 * mirror images), the scaling factor, the counts and the skipped files.
 */
final class ShardMeta {
  static final String SUMMARY = "latents_stats.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  private ShardMeta() {}

  static void write(
      Path file, LatentExtraction.Shard shard, LatentExtraction.Settings s, ShardPlan plan, int k) {
    Map<String, String> md = new LinkedHashMap<>(identity(s, plan, k));
    md.put("count", Integer.toString(shard.n));
    md.put("latent_shape", shard.c + "x" + shard.h + "x" + shard.w);
    md.put("channel_sum", json(shard.moments.sum()));
    md.put("channel_sum_sq", json(shard.moments.sumSq()));
    md.put("channel_count", Long.toString(shard.moments.count()));
    md.put("skipped", json(shard.skipped));
    md.put("source", s.source());
    LatentExtraction.write(file, shard, md);
  }

  /** What must agree between a shard on disk and the run that would otherwise rewrite it. */
  private static Map<String, String> identity(LatentExtraction.Settings s, ShardPlan plan, int k) {
    Map<String, String> md = new LinkedHashMap<>();
    md.put("format", LatentExtraction.FORMAT);
    md.put("scaling_factor", Double.toString(s.scalingFactor()));
    md.put("latent", s.latent());
    md.put("image_size", Integer.toString(s.imageSize()));
    md.put("seed", Long.toString(s.seed()));
    md.put("total_images", Integer.toString(plan.total()));
    md.put("shard_size", Integer.toString(plan.shardSize()));
    md.put("first_index", Integer.toString(plan.first(k)));
    return md;
  }

  /** A shard already on disk may be kept only if it was written with the same settings. */
  static void checkResumable(Path file, LatentExtraction.Settings s, ShardPlan plan, int k) {
    Map<String, String> have = read(file);
    for (var e : identity(s, plan, k).entrySet()) {
      String got = have.get(e.getKey());
      if (!e.getValue().equals(got)) {
        throw new IllegalArgumentException(
            file
                + " was written by another extraction ("
                + e.getKey()
                + "="
                + got
                + ", this run: "
                + e.getValue()
                + "): use a new --out folder, or delete the old shards");
      }
    }
  }

  static Map<String, String> read(Path file) {
    try (Arena arena = Arena.ofConfined()) {
      return SafeTensors.read(file, arena).metadata();
    }
  }

  /** Writes the summary when every shard of the plan is on disk; returns its path, else null. */
  static Path summarizeIfComplete(Path out, ShardPlan plan, LatentExtraction.Settings s) {
    ChannelMoments all = null;
    List<String> skipped = new ArrayList<>();
    long count = 0;
    int hw = 0;
    for (int k = 0; k < plan.shards(); k++) {
      Path f = ShardPlan.file(out, k);
      if (!Files.exists(f)) return null;
      Map<String, String> md = read(f);
      try {
        double[] sum = JSON.readValue(md.get("channel_sum"), double[].class);
        double[] sq = JSON.readValue(md.get("channel_sum_sq"), double[].class);
        long n = Long.parseLong(md.get("count"));
        if (n == 0) continue;
        String[] shape = md.get("latent_shape").split("x");
        hw = Integer.parseInt(shape[1]) * Integer.parseInt(shape[2]);
        ChannelMoments m = ChannelMoments.of(sum, sq, Long.parseLong(md.get("channel_count")));
        if (all == null) all = m;
        else all.add(m);
        count += n;
        skipped.addAll(List.of(JSON.readValue(md.get("skipped"), String[].class)));
      } catch (JsonProcessingException | RuntimeException e) {
        throw new IllegalArgumentException(f + ": shard metadata is damaged: " + e.getMessage(), e);
      }
    }
    if (all == null) throw new IllegalArgumentException(out + ": no image could be encoded");
    DataStats st = all.stats(hw);
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("format", LatentExtraction.FORMAT);
    summary.put("scaling_factor", s.scalingFactor());
    summary.put(
        "note",
        "statistics of the stored latents (already multiplied by scaling_factor), images and mirror images");
    summary.put("latent", s.latent());
    summary.put("images", count);
    summary.put("shards", plan.shards());
    summary.put("mean", st.mean());
    summary.put("std", st.std());
    summary.put("channel_mean", st.channelMean());
    summary.put("channel_std", st.channelStd());
    summary.put("skipped", skipped);
    Path file = out.resolve(SUMMARY);
    String text;
    try {
      text = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(summary) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    AtomicFiles.writeStream(file, o -> o.write(text.getBytes(StandardCharsets.UTF_8)));
    return file;
  }

  private static String json(Object o) {
    try {
      return JSON.writeValueAsString(o);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
