package org.fasterdit.train;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.fasterdit.data.BatchLoader;
import org.fasterdit.data.DataStats;
import org.fasterdit.data.Dataset;
import org.fasterdit.data.HostBatch;
import org.fasterdit.data.StdModulation;
import org.fasterdit.diffusion.DdpmObjective;
import org.fasterdit.diffusion.DdpmSchedule;
import org.fasterdit.diffusion.FlowObjective;
import org.fasterdit.diffusion.LossTerms;
import org.fasterdit.diffusion.Objective;
import org.fasterdit.diffusion.ObjectiveKind;
import org.fasterdit.io.HostTensor;
import org.fasterdit.model.DiT;
import org.fasterdit.model.DiTConfig;
import org.fasterdit.torch.Devices;
import org.fasterdit.torch.FusedBackward;
import org.fasterdit.torch.HostRandom;
import org.fasterdit.torch.NativeScope;
import org.fasterdit.torch.Precision;
import org.fasterdit.torch.PrecisionProbe;
import org.fasterdit.torch.RandomStreams;
import org.fasterdit.torch.Scalars;
import org.fasterdit.torch.Tensors;
import org.fasterdit.torch.Threads;
import org.fasterdit.torch.TorchException;

/**
 * The training loop as a library: one {@link #step()} is one optimizer step (gradient accumulation,
 * class dropout, mixed precision, gradient averaging across ranks, clipping, a NaN/Inf guard,
 * AdamW, EMA), inside one native scope so memory stays flat. Every random draw is keyed by (seed,
 * data position), so {@link #save} then {@link #resume} continues exactly.
 */
public final class Trainer implements AutoCloseable {
  /**
   * The clip limit when clipping is off: the norm the NaN guard and the log need is still computed,
   * and the coefficient limit/(norm+1e-6) clamps to exactly 1. Finite in fp32, because on a GPU the
   * limit goes to LibTorch's clip_grad_norm_, which rejects Double.MAX_VALUE.
   */
  private static final double NO_CLIP = 1e30;

  private final TrainConfig cfg;
  private final DiT model;
  private final Ema ema;
  private final AdamW opt;
  private final Objective objective;
  private final Dataset data;
  private DataStats stats;
  private StdModulation modulation;
  private final GradientSync sync;
  private final Device device;
  private final LossScaler scaler;
  private final PrecisionProbe.Result precision;
  private final List<Tensor> trainable = new ArrayList<>();
  private BatchLoader loader;
  private long step;
  private long dataPosition; // epoch-order position where the next step's global batch begins
  private int badInARow;
  private long skippedTotal;
  private final StepPhases phases = new StepPhases();
  private final ParallelMicroBatch parallel; // null: the micro-batch runs on the calling thread

  /** Builds the model and objective from {@code cfg} for {@code data}. */
  public static Trainer create(TrainConfig cfg, Dataset data, GradientSync sync) {
    DataStats stats = DataStats.measure(data, cfg.data().statsSamples(), cfg.run().seed());
    Device device = Devices.resolve(cfg.run().device());
    DiTConfig mc = cfg.model().forData(data.height(), data.channels(), data.numClasses());
    if (data.height() != data.width())
      throw new IllegalArgumentException(
          "data must be square, got " + data.height() + "x" + data.width());
    DiT model = new DiT(mc, device, cfg.run().seed());
    try {
      return new Trainer(cfg, model, objectiveFor(cfg), data, stats, sync);
    } catch (RuntimeException e) {
      model.close(); // a refused config must not leave the model's native memory behind
      throw e;
    }
  }

  public static Objective objectiveFor(TrainConfig cfg) {
    if (cfg.objective().kind() == ObjectiveKind.DDPM)
      return new DdpmObjective(
          DdpmSchedule.of(cfg.objective().betaSchedule(), cfg.objective().diffusionSteps()));
    return new FlowObjective(
        cfg.objective().path(),
        cfg.objective().prediction(),
        cfg.objective().timesteps(),
        cfg.objective().directionWeight());
  }

  public Trainer(
      TrainConfig cfg,
      DiT model,
      Objective objective,
      Dataset data,
      DataStats stats,
      GradientSync sync) {
    this.cfg = cfg;
    this.model = model;
    this.objective = objective;
    this.data = data;
    this.stats = stats;
    this.sync = sync;
    this.device = model.device();
    if (cfg.run().tf32() && Devices.isCuda(device))
      torch.globalContext().setFloat32MatmulPrecision("high");
    if (data.numClasses() > model.config().numClasses()) {
      throw new IllegalArgumentException(
          "dataset has "
              + data.numClasses()
              + " classes, model only "
              + model.config().numClasses());
    }
    if (data.channels() != model.config().inChannels()
        || data.height() != model.config().inputSize()) {
      throw new IllegalArgumentException(
          "dataset samples are "
              + data.channels()
              + "x"
              + data.height()
              + "x"
              + data.width()
              + " but the model expects "
              + model.config().inChannels()
              + "x"
              + model.config().inputSize());
    }
    // checked before anything native is allocated below
    int workers =
        cfg.stepThreads(Devices.isCuda(device), cfg.optim().microBatch() / sync.worldSize());
    var mc = model.config();
    this.precision =
        PrecisionProbe.transformer(
            cfg.run().precision(),
            device,
            mc.hidden(),
            mc.heads(),
            mc.tokens(),
            Math.max(1, cfg.optim().microBatch() / sync.worldSize() / workers),
            workers);
    this.modulation = new StdModulation(cfg.data().stdMode(), cfg.data().targetStd(), stats);
    Map<String, Tensor> named = new LinkedHashMap<>();
    model
        .stateDict()
        .forEach(
            (k, t) -> {
              if (model.params().isTrainable(k)) named.put(k, t);
            });
    trainable.addAll(named.values());
    sync.broadcastParameters(new ArrayList<>(model.stateDict().values()));
    this.ema = new Ema(model, cfg.optim().emaDecay(), cfg.optim().emaWarmup());
    this.opt =
        new AdamW(
            named,
            cfg.optim().lr(),
            cfg.optim().beta1(),
            cfg.optim().beta2(),
            cfg.optim().adamEps(),
            cfg.optim().weightDecay());
    this.scaler = new LossScaler(precision.chosen() == Precision.FP16, cfg.run().nanPatience());
    this.parallel = workers > 1 ? new ParallelMicroBatch(workers) : null;
  }

  /** The precision the steps compute in, and why (the {@code precision} key, auto resolved). */
  public PrecisionProbe.Result precision() {
    return precision;
  }

  /**
   * Threads each micro-batch is split over (the {@code workers} key; see {@link
   * ParallelMicroBatch}).
   */
  public int workers() {
    return parallel == null ? 1 : parallel.workers();
  }

  private BatchLoader loader() {
    if (loader == null) {
      loader =
          new BatchLoader(
              data,
              cfg.optim().batch(),
              sync.rank(),
              sync.worldSize(),
              cfg.run().seed(),
              cfg.data().flip(),
              step,
              dataPosition,
              cfg.data().prefetch());
    }
    return loader;
  }

  /** The passes over parameters between steps: on the step workers where there are some. */
  private ParameterPasses passes() {
    return parallel == null ? ParameterPasses.SERIAL : parallel::acrossParameters;
  }

  /** One optimizer step on the next batch. */
  public StepResult step() {
    return TorchException.wrap("training step " + (step + 1), this::runStep);
  }

  private StepResult runStep() {
    phases.start();
    HostBatch batch = loader().next();
    long expected = dataPosition + (long) sync.rank() * (cfg.optim().batch() / sync.worldSize());
    if (batch.step() != step || batch.positions()[0] != expected)
      throw new IllegalStateException(
          "data loader at step "
              + batch.step()
              + " position "
              + batch.positions()[0]
              + ", trainer at step "
              + step
              + " position "
              + expected);
    phases.end(StepPhases.Phase.DATA);
    try (var scope = NativeScope.open()) {
      opt.zeroGrad();
      phases.end(StepPhases.Phase.OPTIMIZER);
      int micro = batch.n() / cfg.optim().gradAccum();
      double loss = 0;
      Map<String, Double> terms = new LinkedHashMap<>();
      for (int m = 0; m < cfg.optim().gradAccum(); m++) {
        if (parallel != null) {
          ParallelMicroBatch.Result r;
          Optional<ScalarType> low = precision.chosen().matmulType();
          if (low.isPresent()) {
            try (var casts = SharedCasts.make(model.params(), low.get(), passes())) {
              r = runParallel(batch, m * micro, micro, casts.inUse(trainable));
            }
          } else {
            r = runParallel(batch, m * micro, micro, trainable);
          }
          phases.end(StepPhases.Phase.FORWARD_BACKWARD);
          loss += r.total() / cfg.optim().gradAccum();
          r.parts().forEach((k, v) -> terms.merge(k, v / cfg.optim().gradAccum(), Double::sum));
          continue;
        }
        LossTerms lt;
        // one thread computes the whole micro-batch: in bf16 its GEMMs need ATen's pool widened
        try (var t = Threads.aloneOnCpu(precision.chosen(), device);
            var fused = FusedBackward.open()) {
          lt = sliceLoss(batch, m * micro, micro);
          phases.end(StepPhases.Phase.FORWARD);
          fused.loss(lt.total().mul(Scalars.of(gradientScale()))).backward();
          phases.end(StepPhases.Phase.BACKWARD);
        }
        loss += lt.total().item_double() / cfg.optim().gradAccum();
        lt.parts()
            .forEach(
                (k, v) -> terms.merge(k, v.item_double() / cfg.optim().gradAccum(), Double::sum));
      }
      sync.averageGradients(trainable);
      phases.end(StepPhases.Phase.GRADIENT_SYNC);
      if (sync.worldSize() > 1) {
        // each rank saw only its slice: log (and judge finiteness on) the global batch's mean,
        // identically everywhere
        double[] local = new double[1 + terms.size()];
        local[0] = loss;
        int i = 1;
        for (double v : terms.values()) local[i++] = v;
        double[] mean = sync.averageValues(local);
        loss = mean[0];
        i = 1;
        for (var e : terms.entrySet()) e.setValue(mean[i++]);
      }
      if (scaler.enabled()) {
        for (Tensor p : trainable)
          if (p.grad().defined()) p.grad().mul_(Scalars.of(1.0 / scaler.scale()));
      }
      double norm =
          GradientClip.clip(
              trainable, cfg.optim().gradClip() > 0 ? cfg.optim().gradClip() : NO_CLIP, passes());
      phases.end(StepPhases.Phase.CLIP);
      boolean finite = Double.isFinite(loss) && Double.isFinite(norm);
      if (!scaler.update(finite)) {
        opt.zeroGrad();
        skippedTotal++;
        if (!scaler.enabled() && ++badInARow >= cfg.run().nanPatience()) {
          throw new NonFiniteLossException(
              "stopping: "
                  + badInARow
                  + " steps in a row had a non-finite loss or gradient (last at step "
                  + step
                  + ", loss="
                  + loss
                  + ", grad norm="
                  + norm
                  + "); lower the lr, enable grad-clip or use fp32");
        }
        step++;
        dataPosition += cfg.optim().batch();
        return new StepResult(
            step,
            loss,
            terms,
            norm,
            true,
            finite ? "fp16 overflow" : "non-finite loss or gradient");
      }
      badInARow = 0;
      opt.step(passes());
      phases.end(StepPhases.Phase.OPTIMIZER);
      // the EMA is updated exactly when the optimizer steps
      ema.update(opt.stepCount() - 1, passes());
      phases.end(StepPhases.Phase.EMA);
      step++;
      dataPosition += cfg.optim().batch();
      return new StepResult(step, loss, terms, norm, false, null);
    }
  }

  /** Forward and backward of the micro-batch [from, from + count) on the step workers. */
  private ParallelMicroBatch.Result runParallel(
      HostBatch batch, int from, int count, List<Tensor> inUse) {
    return parallel.run(
        trainable, inUse, from, count, gradientScale(), (f, n) -> sliceLoss(batch, f, n));
  }

  /**
   * Backward runs on loss x this: the mean over accumulated micro-batches, times the fp16 loss
   * scale.
   */
  private double gradientScale() {
    return (scaler.enabled() ? scaler.scale() : 1.0) / cfg.optim().gradAccum();
  }

  /**
   * The loss on samples [from, from + count) of the batch: inputs built on the host, forward under
   * autocast.
   */
  private LossTerms sliceLoss(HostBatch batch, int from, int count) {
    int per = batch.c() * batch.h() * batch.w();
    float[] x = java.util.Arrays.copyOfRange(batch.x(), from * per, (from + count) * per);
    modulation.apply(x, batch.c(), batch.h() * batch.w());
    long[] y = new long[count];
    HostRandom[] rngs = new HostRandom[count];
    for (int i = 0; i < count; i++) {
      long pos = batch.positions()[from + i];
      rngs[i] = HostRandom.forStep(cfg.run().seed(), pos, RandomStreams.TRAIN_NOISE, 0);
      boolean drop =
          cfg.optim().classDropout() > 0
              && HostRandom.forStep(cfg.run().seed(), pos, RandomStreams.CLASS_DROP, 0).nextDouble()
                  < cfg.optim().classDropout();
      y[i] = drop ? model.nullLabel() : batch.y()[from + i];
    }
    Tensor xt =
        HostRandom.onDevice(Tensors.ofFloats(x, count, batch.c(), batch.h(), batch.w()), device);
    Tensor yt = HostRandom.onDevice(Tensors.ofLongs(y, count), device);
    try (var a = precision.chosen().autocast(device)) {
      return objective.loss(model, xt, yt, rngs, step);
    }
  }

  public void save(Path file) {
    Map<String, Map<String, Tensor>> groups = new LinkedHashMap<>();
    groups.put("model", model.stateDict());
    groups.put("ema", ema.model().stateDict());
    groups.put("opt", opt.state());
    Checkpoint.save(
        file,
        new Checkpoint.Meta(
            step,
            opt.stepCount(),
            dataPosition,
            model.config(),
            stats,
            cfg.asMap(),
            cfg.run().seed(),
            scaler.scale(),
            data.latentScalingFactor()),
        groups);
  }

  /**
   * Restores model, EMA, optimizer, step and data position from a checkpoint written by {@link
   * #save}. Refuses a run whose seed, data or model differ from the checkpoint's, naming the key
   * ({@link ResumeCompatibility}).
   *
   * @return notes for the log (e.g. that the global batch changed and where the data continue)
   */
  public List<String> resume(Path file) {
    try (Arena arena = Arena.ofConfined()) {
      Checkpoint.Loaded c = Checkpoint.read(file, arena);
      List<String> notes =
          new ArrayList<>(
              ResumeCompatibility.check(file.toString(), c.meta().config(), cfg.asMap()));
      checkDataPosition(c.meta().dataPosition(), c.meta().step(), file.toString());
      if (!c.meta().model().equals(model.config())) {
        throw new IllegalArgumentException(
            file
                + ": checkpoint model "
                + c.meta().model().describe()
                + " differs from the configured "
                + model.config().describe());
      }
      try (var scope = NativeScope.open()) {
        model.loadStateDict(views(c.group("model")));
        ema.model().loadStateDict(views(c.group("ema")));
        opt.load(views(c.group("opt")), c.meta().optimizerSteps());
      }
      step = c.meta().step();
      dataPosition = c.meta().dataPosition();
      notes.replaceAll(n -> n + "; data position " + dataPosition);
      scaler.restore(c.meta().lossScale());
      // the run keeps the statistics it started with, even if the data were re-measured differently
      // now
      stats = c.meta().stats();
      modulation = new StdModulation(cfg.data().stdMode(), cfg.data().targetStd(), stats);
      if (loader != null) {
        loader.close();
        loader = null;
      }
      return notes;
    }
  }

  /**
   * A saved data position must be possible: not negative, and at least one sample per step taken.
   */
  static void checkDataPosition(long position, long step, String file) {
    if (position < 0 || position < step) {
      throw new IllegalArgumentException(
          file
              + ": checkpoint metadata is damaged: data position "
              + position
              + " is impossible after "
              + step
              + " steps");
    }
  }

  /** Where in the epoch order the next step's global batch begins (saved in checkpoints). */
  public long dataPosition() {
    return dataPosition;
  }

  private static Map<String, Tensor> views(Map<String, HostTensor> host) {
    Map<String, Tensor> m = new LinkedHashMap<>();
    host.forEach((k, v) -> m.put(k, Tensors.view(v)));
    return m;
  }

  public long stepCount() {
    return step;
  }

  /** Where the steps' time went (see {@link StepPhases}). */
  public StepPhases phases() {
    return phases;
  }

  /** The learning rate of the next step. */
  public double lr() {
    return opt.lr();
  }

  public long skippedSteps() {
    return skippedTotal;
  }

  public DiT model() {
    return model;
  }

  public DiT emaModel() {
    return ema.model();
  }

  public DataStats stats() {
    return stats;
  }

  public StdModulation modulation() {
    return modulation;
  }

  public Objective objective() {
    return objective;
  }

  public TrainConfig config() {
    return cfg;
  }

  public Dataset data() {
    return data;
  }

  @Override
  public void close() {
    if (loader != null) loader.close();
    if (parallel != null) parallel.close();
    opt.close();
    ema.close();
    model.close();
  }
}
