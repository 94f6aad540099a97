package org.fasterdit.data;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The completeness check of a shard folder written by {@code vae encode}: its shards record the
 * extraction's plan (total_images, shard_size, first_index, count), so a folder that lost a shard,
 * mixes two extractions or was opened before the extraction finished is refused by name instead of
 * training silently on part of the data. Folders without this metadata (written by other tools) are
 * not checked.
 */
public final class EncodedShards {
  private EncodedShards() {}

  static void checkComplete(
      Path dir, List<Path> files, List<Map<String, String>> meta, long[] counts) {
    if (meta.stream().noneMatch(m -> m.containsKey("total_images"))) return;
    long total = -1, size = -1;
    for (int i = 0; i < files.size(); i++) {
      Path f = files.get(i);
      Map<String, String> m = meta.get(i);
      long t = number(f, m, "total_images"), s = number(f, m, "shard_size");
      long first = number(f, m, "first_index"), n = number(f, m, "count");
      if (i == 0) {
        total = t;
        size = s;
        if (size < 1 || total < 1) {
          throw new IllegalArgumentException(
              f + ": metadata total_images=" + total + " shard_size=" + size + " describe no plan");
        }
      } else if (t != total || s != size) {
        throw new IllegalArgumentException(
            f
                + ": written by another extraction (total_images="
                + t
                + ", shard_size="
                + s
                + "; "
                + files.get(0).getFileName()
                + ": "
                + total
                + ", "
                + size
                + "): use one --out folder per extraction");
      }
      String expected = name(i);
      if (first != (long) i * size || !f.getFileName().toString().equals(expected)) {
        throw new IllegalArgumentException(
            dir
                + ": shard "
                + i
                + " is "
                + f.getFileName()
                + " (first_index "
                + first
                + "), expected "
                + expected
                + " (first_index "
                + (long) i * size
                + "): a shard is missing or renamed; rerun vae encode with the same --out to"
                + " write it");
      }
      if (n != counts[i] || n > Math.min(size, total - first)) {
        throw new IllegalArgumentException(
            f
                + ": metadata count "
                + n
                + " but it holds "
                + counts[i]
                + " latents (at most "
                + Math.min(size, total - first)
                + " belong in it)");
      }
    }
    long shards = (total + size - 1) / size;
    if (files.size() != shards) {
      throw new IllegalArgumentException(
          dir
              + ": holds "
              + files.size()
              + " of the "
              + shards
              + " shards of its extraction ("
              + total
              + " images, "
              + size
              + " a shard"
              + (files.size() < shards
                  ? "; "
                      + name(files.size())
                      + " is missing): the extraction did not finish;"
                      + " rerun vae encode with the same --out to complete it"
                  : "): extra shards"));
    }
  }

  /** The file name of shard {@code k}; the shards of a folder are numbered from 0. */
  public static String name(int k) {
    return String.format(Locale.ROOT, "shard-%05d.safetensors", k);
  }

  private static long number(Path f, Map<String, String> m, String key) {
    String v = m.get(key);
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          f + ": metadata " + key + " must be an integer, got " + v + " (a damaged shard?)");
    }
  }
}
