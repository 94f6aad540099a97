package org.fasterdit.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
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
  private final StandIns standIns;
  private final String prefix;
  private final Device device;

  /**
   * Tensors the forward uses instead of some parameters, shared by a model's views: empty except
   * while a training step has set them ({@link #useStandIns}).
   */
  private static final class StandIns {
    private final List<Tensor> matmulOperands = new ArrayList<>();
    private volatile Map<Tensor, Tensor> byParameter = Map.of();
  }

  public Params(Device device) {
    this(new LinkedHashMap<>(), new LinkedHashMap<>(), new StandIns(), "", device);
  }

  private Params(
      Map<String, Tensor> all,
      Map<String, Boolean> trainable,
      StandIns standIns,
      String prefix,
      Device device) {
    this.all = all;
    this.trainable = trainable;
    this.standIns = standIns;
    this.prefix = prefix;
    this.device = device;
  }

  /** A view that registers under {@code prefix.name.}. */
  public Params child(String name) {
    return new Params(all, trainable, standIns, prefix + name + ".", device);
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

  /**
   * A trainable parameter that is an operand of a linear or convolution, which autocast casts to
   * the low precision: those may get a {@linkplain #useStandIns stand-in}.
   */
  Tensor createMatmulOperand(String name, long... shape) {
    Tensor t = create(name, true, shape);
    standIns.matmulOperands.add(t);
    return t;
  }

  /** The parameters registered by {@link #createMatmulOperand}, in registration order. */
  public List<Tensor> matmulOperands() {
    return Collections.unmodifiableList(standIns.matmulOperands);
  }

  /**
   * From now on the forward uses {@code byParameter.get(p)} wherever it would use parameter {@code
   * p} (a key, by identity); an empty map restores the parameters. Set between forwards, never
   * during one; the threads that run the next forward must be started after this call.
   */
  public void useStandIns(Map<Tensor, Tensor> byParameter) {
    Map<Tensor, Tensor> copy = new IdentityHashMap<>(byParameter);
    standIns.byParameter = copy.isEmpty() ? Map.of() : Collections.unmodifiableMap(copy);
  }

  /** What the forward computes with in place of parameter {@code p}: its stand-in, or itself. */
  public Tensor inUse(Tensor p) {
    Tensor s = standIns.byParameter.get(p);
    return s == null ? p : s;
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
    standIns.matmulOperands.clear();
    standIns.byParameter = Map.of();
  }
}
