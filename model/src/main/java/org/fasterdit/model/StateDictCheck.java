package org.fasterdit.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.fasterdit.torch.Tensors;

/**
 * Compares a state dict with a model's tensors and names every missing, unexpected and mis-shaped
 * key.
 */
public record StateDictCheck(
    List<String> missing, List<String> unexpected, List<String> misShaped) {

  public static StateDictCheck verify(Map<String, Tensor> expected, Map<String, Tensor> source) {
    List<String> missing = new ArrayList<>(),
        unexpected = new ArrayList<>(),
        shaped = new ArrayList<>();
    for (var e : expected.entrySet()) {
      Tensor s = source.get(e.getKey());
      if (s == null) {
        missing.add(e.getKey());
      } else if (!Arrays.equals(Tensors.shape(s), Tensors.shape(e.getValue()))) {
        shaped.add(
            e.getKey()
                + " (checkpoint "
                + Arrays.toString(Tensors.shape(s))
                + ", model "
                + Arrays.toString(Tensors.shape(e.getValue()))
                + ")");
      }
    }
    for (String k : source.keySet()) if (!expected.containsKey(k)) unexpected.add(k);
    return new StateDictCheck(missing, unexpected, shaped);
  }

  public boolean ok() {
    return missing.isEmpty() && unexpected.isEmpty() && misShaped.isEmpty();
  }

  public void throwIfBad() {
    if (ok()) return;
    StringBuilder b = new StringBuilder("state dict does not fit the model:");
    if (!missing.isEmpty()) b.append("\n  missing keys: ").append(limit(missing));
    if (!unexpected.isEmpty()) b.append("\n  unexpected keys: ").append(limit(unexpected));
    if (!misShaped.isEmpty()) b.append("\n  mis-shaped keys: ").append(limit(misShaped));
    throw new IllegalArgumentException(b.toString());
  }

  private static String limit(List<String> keys) {
    if (keys.size() <= 12) return String.join(", ", keys);
    return String.join(", ", keys.subList(0, 12)) + ", ... (" + keys.size() + " in all)";
  }
}
