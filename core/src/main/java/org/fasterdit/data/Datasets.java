package org.fasterdit.data;

import java.nio.file.Path;
import java.util.Locale;

/**
 * Opens a dataset from its config name: {@code fashion-mnist}, {@code synthetic}, {@code
 * folder:PATH}, {@code latents:PATH} (fast-DiT features/labels folders) or {@code shards:PATH}
 * (safetensors shards).
 */
public final class Datasets {
  private Datasets() {}

  public static Dataset open(String spec, int imageSize, String split) {
    String s = spec.trim();
    String lower = s.toLowerCase(Locale.ROOT);
    if (lower.equals("fashion-mnist") || lower.equals("fashion_mnist") || lower.equals("fmnist")) {
      return FashionMnist.load(FashionMnist.DEFAULT_DIR, split);
    }
    if (lower.startsWith("fashion-mnist:"))
      return FashionMnist.load(Path.of(s.substring(14)), split);
    if (lower.equals("synthetic"))
      return new SyntheticShapes(
          split.equals("test") ? 2000 : 20000, 32, 1, split.equals("test") ? 2 : 1);
    if (lower.startsWith("folder:")) return new ImageFolder(Path.of(s.substring(7)), imageSize);
    if (lower.startsWith("latents:")) return new LatentFolder(Path.of(s.substring(8)));
    if (lower.startsWith("shards:")) return new LatentShards(Path.of(s.substring(7)));
    throw new IllegalArgumentException(
        "unknown dataset '"
            + spec
            + "': expected fashion-mnist, synthetic, folder:PATH, latents:PATH or shards:PATH");
  }
}
