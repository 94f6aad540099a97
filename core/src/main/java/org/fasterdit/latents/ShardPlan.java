package org.fasterdit.latents;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.fasterdit.data.EncodedShards;

/**
 * How an extraction splits a folder of {@code total} images (in folder order) into shards of {@code
 * shardSize}: shard k covers images [k S, min((k + 1) S, total)), and rank r of W writes the shards
 * k with k mod W = r. Names do not depend on the rank count, so a job killed under one launch
 * resumes under another.
 */
public record ShardPlan(int total, int shardSize) {
  public ShardPlan {
    if (total < 1)
      throw new IllegalArgumentException("nothing to extract: the folder has no images");
    if (shardSize < 1)
      throw new IllegalArgumentException("--shard-size must be >= 1, got " + shardSize);
  }

  public int shards() {
    return (int) ((total + (long) shardSize - 1) / shardSize);
  }

  public int first(int shard) {
    return shard * shardSize;
  }

  public int count(int shard) {
    return Math.min(shardSize, total - first(shard));
  }

  public List<Integer> forRank(int rank, int world) {
    if (world < 1 || rank < 0 || rank >= world)
      throw new IllegalArgumentException("bad rank " + rank + " of " + world);
    List<Integer> out = new ArrayList<>();
    for (int k = rank; k < shards(); k += world) out.add(k);
    return out;
  }

  public static Path file(Path out, int shard) {
    return out.resolve(EncodedShards.name(shard));
  }
}
