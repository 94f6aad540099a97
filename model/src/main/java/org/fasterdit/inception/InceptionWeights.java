package org.fasterdit.inception;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.fasterdit.io.HostTensor;
import org.fasterdit.torch.Tensors;

/**
 * The state dict being turned into layers: hands out tensors by their torchvision name, checks
 * ranks and lengths, and at the end names every key no layer asked for (a wrong file shows up as
 * missing and unexpected keys, not as a shape error deep inside a conv).
 */
final class InceptionWeights {
  private final Map<String, HostTensor> stateDict;
  private final Device device;
  private final Set<String> used = new LinkedHashSet<>();
  private final List<BasicConv2d> layers = new ArrayList<>();

  InceptionWeights(Map<String, HostTensor> stateDict, Device device) {
    this.stateDict = stateDict;
    this.device = device;
  }

  Device device() {
    return device;
  }

  /** A CPU view of {@code name} (valid while the state dict's memory is), for an immediate copy. */
  Tensor tensor(String name, int rank) {
    HostTensor h = stateDict.get(name);
    if (h == null) {
      throw new IllegalArgumentException(
          "the weights have no '"
              + name
              + "': not pytorch-fid's FID Inception state dict ("
              + stateDict.size()
              + " tensors, e.g. "
              + String.join(", ", stateDict.keySet().stream().limit(4).toList())
              + ")");
    }
    if (h.rank() != rank) {
      throw new IllegalArgumentException(
          "'" + name + "' has shape " + Arrays.toString(h.shape()) + ", expected rank " + rank);
    }
    used.add(name);
    return Tensors.view(h);
  }

  void checkLength(String what, long expected, Tensor... tensors) {
    for (Tensor t : tensors) {
      if (t.numel() != expected) {
        throw new IllegalArgumentException(
            "'" + what + "' holds " + t.numel() + " values for " + expected + " channels");
      }
    }
  }

  void checkShape(String name, long... shape) {
    long[] actual = stateDict.get(name).shape();
    if (!Arrays.equals(actual, shape)) {
      throw new IllegalArgumentException(
          "'"
              + name
              + "' has shape "
              + Arrays.toString(actual)
              + ", FID Inception needs "
              + Arrays.toString(shape));
    }
  }

  /**
   * Fails before any layer is built when a key belongs to no module of the network (a torchvision
   * checkpoint's AuxLogits, another network's weights): the cheap check for the usual wrong file.
   */
  void checkModules(Set<String> modules) {
    List<String> foreign = new ArrayList<>();
    for (String k : stateDict.keySet()) {
      int dot = k.indexOf('.');
      if (dot < 0 || !modules.contains(k.substring(0, dot))) foreign.add(k);
    }
    if (!foreign.isEmpty()) throw unexpected(foreign);
  }

  /** Records a loaded layer so that the network (or a failed load) can free them all. */
  BasicConv2d track(BasicConv2d layer) {
    layers.add(layer);
    return layer;
  }

  List<BasicConv2d> layers() {
    return layers;
  }

  /** Fails naming the keys no layer read (BatchNorm's num_batches_tracked is not a weight). */
  void checkAllUsed() {
    List<String> unexpected = new ArrayList<>();
    for (String k : stateDict.keySet()) {
      if (!used.contains(k) && !k.endsWith(".num_batches_tracked")) unexpected.add(k);
    }
    if (!unexpected.isEmpty()) throw unexpected(unexpected);
  }

  private static IllegalArgumentException unexpected(List<String> keys) {
    return new IllegalArgumentException(
        "the weights hold tensors FID Inception does not have (aux logits? another network?): "
            + String.join(", ", keys.subList(0, Math.min(8, keys.size())))
            + (keys.size() > 8 ? ", ... (" + keys.size() + " in all)" : ""));
  }
}
