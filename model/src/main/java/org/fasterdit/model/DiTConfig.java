package org.fasterdit.model;

import java.util.Locale;
import java.util.Map;

/**
 * DiT dimensions. Validated on construction with messages meant for a CLI user, so an impossible
 * model is refused before any memory is allocated.
 *
 * @param depth number of DiT blocks
 * @param hidden model width D
 * @param heads attention heads; must divide {@code hidden}
 * @param patch patch size p; must divide {@code inputSize}
 * @param inputSize spatial size of the (latent) image, H = W
 * @param inChannels channels of the (latent) image
 * @param numClasses class count; the label table has one more row, the null label used for
 *     classifier-free guidance
 * @param learnSigma whether the model also predicts the variance (DiT recipe): doubles the output
 *     channels
 */
public record DiTConfig(
    int depth,
    int hidden,
    int heads,
    int patch,
    int inputSize,
    int inChannels,
    int numClasses,
    boolean learnSigma) {

  /** MLP hidden width = 4 x D, as in the reference. */
  public static final int MLP_RATIO = 4;

  /** Frequencies of the timestep embedding, as in the reference. */
  public static final int FREQUENCY_EMBEDDING_SIZE = 256;

  /** The paper's model sizes: depth, hidden size, heads. */
  private static final Map<String, int[]> SIZES =
      Map.of(
          "S",
          new int[] {12, 384, 6},
          "B",
          new int[] {12, 768, 12},
          "L",
          new int[] {24, 1024, 16},
          "XL",
          new int[] {28, 1152, 16});

  public DiTConfig {
    require(depth >= 1, "depth must be >= 1, got " + depth);
    require(
        hidden >= 2 && hidden % 4 == 0,
        "hidden size must be a positive multiple of 4 (2D sin-cos position embedding), got "
            + hidden);
    require(heads >= 1, "heads must be >= 1, got " + heads);
    require(
        hidden % heads == 0, "heads (" + heads + ") must divide the hidden size (" + hidden + ")");
    require(patch >= 1, "patch size must be >= 1, got " + patch);
    require(inputSize >= 1, "input size must be >= 1, got " + inputSize);
    require(
        inputSize % patch == 0, "patch size " + patch + " must divide the input size " + inputSize);
    require(inChannels >= 1, "channels must be >= 1, got " + inChannels);
    require(
        numClasses >= 1,
        "num classes must be >= 1 (use 1 for unconditional training), got " + numClasses);
  }

  private static void require(boolean ok, String message) {
    if (!ok) throw new IllegalArgumentException("invalid DiT config: " + message);
  }

  /**
   * A named preset such as {@code DiT-S/2} or {@code DiT-XL/8}: size letter and patch, for the
   * given data shape.
   */
  public static DiTConfig preset(
      String name, int inputSize, int inChannels, int numClasses, boolean learnSigma) {
    String n = name.trim();
    var m = java.util.regex.Pattern.compile("(?i)(?:DiT|SiT)-(S|B|L|XL)/(2|4|8)").matcher(n);
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "unknown model '"
              + name
              + "': expected DiT-{S,B,L,XL}/{2,4,8} (or SiT-...), e.g. DiT-S/2");
    }
    int[] s = SIZES.get(m.group(1).toUpperCase(Locale.ROOT));
    return new DiTConfig(
        s[0],
        s[1],
        s[2],
        Integer.parseInt(m.group(2)),
        inputSize,
        inChannels,
        numClasses,
        learnSigma);
  }

  /**
   * Heads of the named preset's size (for loading a checkpoint, whose tensors do not record heads).
   */
  public static int presetHeads(String name) {
    return preset(name, 8, 1, 1, false).heads();
  }

  public int outChannels() {
    return learnSigma ? inChannels * 2 : inChannels;
  }

  /** Patches per side. */
  public int gridSize() {
    return inputSize / patch;
  }

  /** Tokens T = (input / patch)^2. */
  public int tokens() {
    return gridSize() * gridSize();
  }

  public int headDim() {
    return hidden / heads;
  }

  /**
   * Forward multiply-accumulates per image, DiT convention (linear layers and attention products).
   */
  public double forwardMacs() {
    double d = hidden, t = tokens();
    double perBlock = 12 * d * d * t + 2 * t * t * d + 6 * d * d; // qkv+proj+mlp, attention, adaLN
    double embed = t * d * inChannels * patch * patch + FREQUENCY_EMBEDDING_SIZE * d + d * d;
    double fin = t * d * patch * patch * outChannels() + 2 * d * d;
    return depth * perBlock + embed + fin;
  }

  public String describe() {
    return String.format(
        Locale.ROOT,
        "DiT(depth=%d, hidden=%d, heads=%d, patch=%d, input=%d, channels=%d, classes=%d%s)",
        depth,
        hidden,
        heads,
        patch,
        inputSize,
        inChannels,
        numClasses,
        learnSigma ? ", learn_sigma" : "");
  }
}
