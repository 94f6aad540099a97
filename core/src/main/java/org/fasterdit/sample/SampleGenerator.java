package org.fasterdit.sample;

import java.util.Locale;
import java.util.function.IntConsumer;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.fasterdit.data.StdModulation;
import org.fasterdit.diffusion.DdpmSchedule;
import org.fasterdit.diffusion.ObjectiveKind;
import org.fasterdit.diffusion.ObjectiveSpec;
import org.fasterdit.model.DiT;
import org.fasterdit.torch.HostRandom;
import org.fasterdit.torch.NativeScope;
import org.fasterdit.torch.Precision;
import org.fasterdit.torch.RandomStreams;
import org.fasterdit.torch.Tensors;
import org.fasterdit.torch.Threads;
import org.fasterdit.torch.TorchException;

/**
 * Turns a trained model into samples: each sample's starting noise and label drawn from the seed
 * and its index alone (so a run is reproducible and these do not depend on the batch size), the
 * configured sampler, and the exact inverse of the training std modulation. A stochastic sampler's
 * per-step noise is drawn per batch, so its images do depend on the batch size; a sharded run
 * therefore splits at batch boundaries ({@link SampleShards}).
 */
public final class SampleGenerator {
  private final DiT model;
  private final ObjectiveSpec objective;
  private final StdModulation modulation;
  private final Precision precision;

  /**
   * @param precision what the model computes in (resolved: fp32, bf16 or fp16 under autocast); the
   *     samplers' running state stays fp32
   */
  public SampleGenerator(
      DiT model, ObjectiveSpec objective, StdModulation modulation, Precision precision) {
    precision.checkSupported(model.device());
    precision.autocast(model.device()).close(); // refuses an unresolved auto here, not mid-run
    this.model = model;
    this.objective = objective;
    this.modulation = modulation;
    this.precision = precision;
  }

  /**
   * @param onBatch called with the number of samples finished so far
   */
  public SampleSet generate(SampleSpec spec, IntConsumer onBatch) {
    return TorchException.wrap("sampling", () -> run(spec, onBatch));
  }

  private SampleSet run(SampleSpec spec, IntConsumer onBatch) {
    return generate(spec, labels(spec), onBatch);
  }

  /**
   * Samples {@code [from, to)} of the run {@code spec} describes, exactly as {@link
   * #generate(SampleSpec, IntConsumer)} makes them when {@code from} is a multiple of the batch
   * (the same model calls, so the same bytes): the sharded runs of {@link SampleShards}.
   *
   * @param onBatch called with the number of this range's samples finished so far
   */
  public SampleSet generate(SampleSpec spec, int from, int to, IntConsumer onBatch) {
    return TorchException.wrap(
        "sampling", () -> generateRange(spec, labels(spec), from, to, onBatch));
  }

  /**
   * The label of every sample of the run: drawn in sample order from one stream of the seed, so a
   * rank sampling a slice draws them all (cheap) and takes its own.
   */
  private long[] labels(SampleSpec spec) {
    var mc = model.config();
    if (spec.fixedClass() >= mc.numClasses()) {
      throw new IllegalArgumentException(
          "--class " + spec.fixedClass() + " but the model has " + mc.numClasses() + " classes");
    }
    long[] labels = new long[spec.count()];
    HostRandom labelRng = HostRandom.forStep(spec.seed(), 0, RandomStreams.SAMPLE_LABELS, 0);
    for (int i = 0; i < labels.length; i++)
      labels[i] = spec.fixedClass() >= 0 ? spec.fixedClass() : labelRng.nextInt(mc.numClasses());
    return labels;
  }

  /** As {@link #generate(SampleSpec, IntConsumer)} with the given label of each sample. */
  public SampleSet generate(SampleSpec spec, long[] labels, IntConsumer onBatch) {
    if (labels.length != spec.count()) {
      throw new IllegalArgumentException(
          labels.length + " labels for " + spec.count() + " samples");
    }
    return generateRange(spec, labels, 0, spec.count(), onBatch);
  }

  private SampleSet generateRange(
      SampleSpec spec, long[] labels, int from, int to, IntConsumer onBatch) {
    var mc = model.config();
    int c = mc.inChannels(), s = mc.inputSize(), per = c * s * s;
    if (from < 0 || to > spec.count() || from > to)
      throw new IllegalArgumentException(
          "sample range [" + from + ", " + to + ") is not inside [0, " + spec.count() + ")");
    if (from % spec.batch() != 0)
      throw new IllegalArgumentException(
          "a sample range must start at a multiple of the batch "
              + spec.batch()
              + " (or the batches, hence the samples, would differ from a single run), got "
              + from);
    float[] all = new float[Math.multiplyExact(to - from, per)];
    Device d = model.device();
    for (int at = from; at < to; at += spec.batch()) {
      int n = Math.min(spec.batch(), to - at);
      try (var scope = NativeScope.open()) {
        HostRandom[] noiseRngs = new HostRandom[n];
        for (int i = 0; i < n; i++)
          noiseRngs[i] = HostRandom.forStep(spec.seed(), at + i, RandomStreams.SAMPLE_NOISE, 0);
        Tensor noise = HostRandom.gaussian(noiseRngs, d, c, s, s);
        long[] yb = java.util.Arrays.copyOfRange(labels, at, at + n);
        Tensor y = HostRandom.onDevice(Tensors.ofLongs(yb, n), d);
        HostRandom stepRng = HostRandom.forStep(spec.seed(), at, RandomStreams.SAMPLE_STEPS, 0);
        Tensor out;
        try (var t = Threads.aloneOnCpu(precision, d);
            var a = precision.autocast(d)) {
          out = sampleBatch(spec, noise, y, stepRng);
        }
        float[] host = Tensors.toFloats(out);
        modulation.invert(host, c, s * s);
        System.arraycopy(host, 0, all, (at - from) * per, host.length);
      }
      onBatch.accept(at + n - from);
    }
    return new SampleSet(all, java.util.Arrays.copyOfRange(labels, from, to), c, s, s);
  }

  private Tensor sampleBatch(SampleSpec spec, Tensor noise, Tensor y, HostRandom rng) {
    String name = spec.sampler().toLowerCase(Locale.ROOT);
    if (objective.kind() == ObjectiveKind.DDPM) {
      if (name.equals("auto")) name = "ddpm";
      if (!name.equals("ddpm") && !name.equals("ddim")) {
        throw new IllegalArgumentException(
            "sampler '" + spec.sampler() + "' does not apply to a DDPM model: use ddpm or ddim");
      }
      DdpmSchedule full = DdpmSchedule.of(objective.betaSchedule(), objective.diffusionSteps());
      return new DdpmSampler(full, spec.steps(), name.equals("ddim"), false)
          .sample(model, noise, y, spec.guidance(), rng, k -> {});
    }
    if (name.equals("auto")) name = "euler";
    if (name.equals("ddpm") || name.equals("ddim")) {
      throw new IllegalArgumentException(
          "sampler '" + name + "' needs a DDPM model: use euler, heun, dopri5 or sde");
    }
    FlowSampler fs =
        new FlowSampler(
            objective.path(),
            objective.prediction(),
            FlowSampler.parseMethod(name),
            spec.steps(),
            spec.shift(),
            spec.atol(),
            spec.rtol());
    return fs.sample(model, noise, y, spec.guidance(), rng, k -> {});
  }
}
