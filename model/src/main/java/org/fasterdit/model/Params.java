package org.fasterdit.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.fasterdit.torch.NativeScope;

/**
 * The model's named tensors, registered under the reference checkpoint keys ({@code
 * blocks.0.attn.qkv.weight}), so a state dict loads and diffs one to one. A plain ordered map
 * instead of LibTorch's Module: Java subclasses of Module cannot sit in ModuleList/Sequential, and
 * the names are all we need. Parameters are retained past any native scope and live as long as the
 * model.
 */
public final class Params {
  private final Map<String, Tensor> all;
  private final Map<String, Boolean> trainable;
  private final String prefix;
  private final Device device;

  public Params(Device device) {
    this(new LinkedHashMap<>(), new LinkedHashMap<>(), "", device);
  }

  private Params(
      Map<String, Tensor> all, Map<String, Boolean> trainable, String prefix, Device device) {
    this.all = all;
    this.trainable = trainable;
    this.prefix = prefix;
    this.device = device;
  }

  /** A view that registers under {@code prefix.name.}. */
  public Params child(String name) {
    return new Params(all, trainable, prefix + name + ".", device);
  }

  /**
   * A new fp32 zero tensor registered as {@code prefix + name}. Frozen tensors (pos_embed) get no
   * gradient.
   */
  public Tensor create(String name, boolean isTrainable, long... shape) {
    String key = prefix + name;
    if (all.containsKey(key)) throw new IllegalStateException("parameter registered twice: " + key);
    Tensor t =
        NativeScope.retain(
            torch.zeros(
                shape, new TensorOptions(ScalarType.Float).device(new DeviceOptional(device))));
    if (isTrainable) t.requires_grad_(true);
    all.put(key, t);
    trainable.put(key, isTrainable);
    return t;
  }

  /** All tensors by reference-checkpoint name, in registration order. */
  public Map<String, Tensor> named() {
    return Collections.unmodifiableMap(all);
  }

  public boolean isTrainable(String name) {
    return trainable.getOrDefault(name, false);
  }

  /** The trainable tensors, for the optimizer. */
  public TensorVector trainableVector() {
    TensorVector v = new TensorVector();
    all.forEach(
        (k, t) -> {
          if (trainable.get(k)) v.push_back(t);
        });
    return v;
  }

  public long count(boolean onlyTrainable) {
    long n = 0;
    for (var e : all.entrySet())
      if (!onlyTrainable || trainable.get(e.getKey())) n += e.getValue().numel();
    return n;
  }

  public Device device() {
    return device;
  }

  /** Frees every tensor; the model is unusable afterwards. Safe to call twice. */
  public void release() {
    all.values().forEach(NativeScope::release);
    all.clear();
  }
}
