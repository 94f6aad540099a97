package org.fasterdit.latents;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BiConsumer;
import java.util.stream.Stream;
import org.fasterdit.data.LatentShards;
import org.fasterdit.io.DType;
import org.fasterdit.io.FuzzTally;
import org.fasterdit.io.HostTensor;
import org.fasterdit.io.Mutator;
import org.fasterdit.io.SafeTensors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Shard folders as {@code vae encode} writes them (here with the stand-in encoder of {@link
 * LatentExtractionTest}), damaged byte-wise and field-wise, opened the way training opens {@code
 * shards:DIR}: each must open and read every sample, or be refused with an IllegalArgumentException
 * or TensorFormatException naming the shard or the folder; never another exception. {@code
 * -Dfasterdit.fuzz=N} sets the byte mutations.
 */
class ShardFolderFuzzTest {
  static final int N = Integer.getInteger("fasterdit.fuzz", 300);
  @TempDir static Path dir;
  static Path good;
  static List<Path> shards;

  @BeforeAll
  static void extract() throws Exception {
    good = dir.resolve("good");
    LatentExtractionTest.extract(LatentExtractionTest.folder(dir, 10), good, "mean", 0, 1);
    try (Stream<Path> s = Files.list(good)) {
      shards = s.filter(p -> p.toString().endsWith(".safetensors")).sorted().toList();
    }
    assertEquals(3, shards.size());
  }

  /** Opens as training does and reads every sample and label, both orientations. */
  static Object open(Path folder) {
    LatentShards d = new LatentShards(folder);
    float[] x = new float[d.channels() * d.height() * d.width()];
    for (int i = 0; i < d.size(); i++) {
      d.read(i, false, x, 0);
      d.read(i, true, x, 0);
      assertTrue(d.label(i) >= 0 && d.label(i) < d.numClasses());
    }
    return null;
  }

  private static Path copy(String name) throws Exception {
    Path out = Files.createDirectories(dir.resolve(name));
    for (Path p : shards) {
      Files.copy(p, out.resolve(p.getFileName()), StandardCopyOption.REPLACE_EXISTING);
    }
    return out;
  }

  @Test
  void mutatedShardsOpenOrFailCleanly() throws Exception {
    FuzzTally tally = new FuzzTally("ShardFolderFuzzTest");
    Path folder = copy("bytes");
    assertTrue(tally.run("shards/seed", 0, folder.toString(), () -> open(folder)));
    Random r = new Random(23);
    for (int i = 0; i < N; i++) {
      Path target = folder.resolve(shards.get(r.nextInt(shards.size())).getFileName());
      byte[] seed = Files.readAllBytes(good.resolve(target.getFileName()));
      Files.write(target, Mutator.mutate(seed, r));
      tally.run("shards/bytes", i, folder.toString(), () -> open(folder));
      Files.write(target, seed);
    }
    assertTrue(tally.refused("shards/bytes") > 0);
    System.out.print(tally.report());
  }

  /** A shard rewritten with edited tensors or metadata (the bytes are well-formed). */
  private static void rewrite(
      Path file, BiConsumer<Map<String, HostTensor>, Map<String, String>> edit) {
    Map<String, HostTensor> t = new LinkedHashMap<>();
    Map<String, String> md;
    try (Arena arena = Arena.ofConfined()) {
      var st = SafeTensors.read(file, arena);
      st.tensors().forEach((k, v) -> t.put(k, v.copyToHeap()));
      md = new LinkedHashMap<>(st.metadata());
    }
    edit.accept(t, md);
    SafeTensors.write(file, t, md);
  }

  static HostTensor withShape(HostTensor t, long... shape) {
    long n = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
    return HostTensor.ofFloats(shape, Arrays.copyOf(t.toFloatArray(), (int) n));
  }

  @Test
  void damagedFoldersAreRefusedByName() throws Exception {
    FuzzTally tally = new FuzzTally("ShardFolderFuzzTest");
    Map<String, BiConsumer<Map<String, HostTensor>, Map<String, String>>> edits =
        new LinkedHashMap<>();
    edits.put("count off by one", (t, m) -> m.put("count", "3"));
    edits.put("count not a number", (t, m) -> m.put("count", "four"));
    edits.put("first_index wrong", (t, m) -> m.put("first_index", "0"));
    edits.put("other total_images", (t, m) -> m.put("total_images", "11"));
    edits.put("other shard_size", (t, m) -> m.put("shard_size", "5"));
    edits.put("shard_size zero", (t, m) -> m.put("shard_size", "0"));
    edits.put("scaling_factor text", (t, m) -> m.put("scaling_factor", "abc"));
    edits.put("scaling_factor negative", (t, m) -> m.put("scaling_factor", "-0.5"));
    edits.put("scaling_factor NaN", (t, m) -> m.put("scaling_factor", "NaN"));
    edits.put("scaling_factor differs", (t, m) -> m.put("scaling_factor", "0.25"));
    edits.put("latents missing", (t, m) -> t.remove("latents"));
    edits.put("labels missing", (t, m) -> t.remove("labels"));
    edits.put("latents rank 3", (t, m) -> t.put("latents", withShape(t.get("latents"), 4, 3, 16)));
    edits.put(
        "latents zero channels",
        (t, m) -> t.put("latents", withShape(t.get("latents"), 4, 0, 4, 4)));
    edits.put(
        "latents other shape", (t, m) -> t.put("latents", withShape(t.get("latents"), 4, 3, 2, 8)));
    edits.put(
        "latents int64",
        (t, m) -> t.put("latents", HostTensor.ofLongs(new long[] {4, 3, 4, 4}, new long[192])));
    edits.put(
        "latents_flip fp16",
        (t, m) ->
            t.put(
                "latents_flip",
                HostTensor.ofFloatsAs(DType.F16, new long[] {4, 3, 4, 4}, new float[192])));
    edits.put(
        "latents_flip other shape",
        (t, m) -> t.put("latents_flip", withShape(t.get("latents_flip"), 3, 3, 4, 4)));
    edits.put(
        "labels fewer",
        (t, m) -> t.put("labels", HostTensor.ofLongs(new long[] {3}, new long[] {0, 1, 0})));
    edits.put(
        "label negative",
        (t, m) -> t.put("labels", HostTensor.ofLongs(new long[] {4}, new long[] {0, -1, 0, 1})));
    edits.put(
        "label huge",
        (t, m) ->
            t.put("labels", HostTensor.ofLongs(new long[] {4}, new long[] {0, 1L << 40, 0, 1})));
    edits.put(
        "labels float",
        (t, m) -> t.put("labels", HostTensor.ofFloats(new long[] {4}, new float[] {0, 1, 0, 1})));
    edits.put(
        "labels 2-d",
        (t, m) -> t.put("labels", HostTensor.ofLongs(new long[] {4, 1}, new long[] {0, 1, 0, 1})));
    int i = 0;
    for (var e : edits.entrySet()) {
      Path folder = copy("field-" + i);
      rewrite(folder.resolve(shards.get(1).getFileName()), e.getValue());
      assertFalse(
          tally.run("shards/fields", i++, folder.toString(), () -> open(folder)),
          e.getKey() + " opened");
    }
    // folder-level damage: a shard missing (the last, or one in the middle), renamed, or truncated
    String[] cases = {"last missing", "middle missing", "renamed", "truncated", "extra"};
    for (String c : cases) {
      Path folder = copy("folder-" + i);
      Path last = folder.resolve(shards.get(2).getFileName());
      Path middle = folder.resolve(shards.get(1).getFileName());
      switch (c) {
        case "last missing" -> Files.delete(last);
        case "middle missing" -> Files.delete(middle);
        case "renamed" -> Files.move(middle, folder.resolve("shard-00007.safetensors"));
        case "truncated" -> Files.write(middle, Arrays.copyOf(Files.readAllBytes(middle), 1000));
        default -> Files.copy(last, folder.resolve("shard-00003.safetensors"));
      }
      assertFalse(
          tally.run("shards/folder", i++, folder.toString(), () -> open(folder)), c + " opened");
    }
    assertEquals(edits.size(), tally.refused("shards/fields"));
    assertEquals(cases.length, tally.refused("shards/folder"));
    System.out.print(tally.report());
  }
}
