package org.fasterdit.train;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.fasterdit.data.Dataset;
import org.fasterdit.data.Datasets;
import org.fasterdit.sample.TrainingEvaluation;
import org.fasterdit.sample.TrainingSamples;
import org.fasterdit.tracking.TensorBoardEvents;

/**
 * A whole training job as the CLI runs it: run folder, resolved config, data, trainer, progress,
 * JSONL metrics, periodic atomic checkpoints, memory figures at steps 100 and 1000, and a loss
 * curve at the end (when the {@link Reporting} draws one). Only rank 0 writes files.
 */
public final class TrainingRun {
  /**
   * What the run shows besides its files: progress, and the loss curve at the end. The library
   * default prints plain lines and draws nothing; the CLI adds a live bar and a PNG plot, so the
   * core carries no UI dependencies.
   */
  public record Reporting(
      ProgressSink.Factory progress, LossCurveWriter lossCurve, LossCurveWriter evalCurve) {
    public static final Reporting PLAIN = new Reporting(ProgressSink.LINES, null, null);

    /** Progress and loss curve, no evaluation plot. */
    public Reporting(ProgressSink.Factory progress, LossCurveWriter lossCurve) {
      this(progress, lossCurve, null);
    }
  }

  /**
   * Draws a curve from the logged rows (each has {@code step}): the loss terms for {@code
   * loss.png}, the evaluation metrics ({@code FD-<dataset>}, {@code conditional_accuracy}) for
   * {@code eval.png}; each writer picks the rows carrying its fields.
   */
  @FunctionalInterface
  public interface LossCurveWriter {
    void write(List<Map<String, Object>> rows, Path png, String title);
  }

  /** Where a finished run left its results. */
  public record Result(
      Path runDir,
      Path lastCheckpoint,
      long steps,
      double lastLoss,
      double seconds,
      double rssAt100Mb,
      double rssAt1000Mb,
      long skipped,
      boolean preempted,
      boolean timeLimitReached) {}

  private TrainingRun() {}

  /**
   * @param resume a checkpoint file or run folder to continue, or null for a new run
   */
  public static Result run(TrainConfig cfg, Path resume, GradientSync sync, PrintStream log) {
    return run(cfg, resume, sync, log, Reporting.PLAIN);
  }

  /**
   * As {@link #run(TrainConfig, Path, GradientSync, PrintStream)}, reporting through {@code
   * reporting}.
   */
  public static Result run(
      TrainConfig cfg, Path resume, GradientSync sync, PrintStream log, Reporting reporting) {
    boolean rank0 = sync.rank() == 0;
    Path ckptFile = resume == null ? null : Checkpoint.resolveLatest(resume);
    Dataset data = Datasets.open(cfg.data().dataset(), cfg.data().imageSize(), "train");
    TrainingEvaluation.check(cfg, sync.worldSize()); // a refused eval-every fails before any work
    cfg.model()
        .forData(
            data.height(),
            data.channels(),
            data.numClasses()); // impossible shapes fail here, before any work
    if (cfg.optim().epochs() > 0) { // DiT's --epochs: passes over the data, as optimizer steps
      long steps = (long) Math.ceil(cfg.optim().epochs() * data.size() / cfg.optim().batch());
      cfg = cfg.with("steps", Math.max(1, steps));
      if (rank0) {
        log.printf(
            Locale.ROOT,
            "epochs=%s over %d samples at batch %d = %d steps%n",
            cfg.get("epochs"),
            data.size(),
            cfg.optim().batch(),
            cfg.optim().steps());
      }
    }
    RunDirectory run = null;
    if (rank0) {
      Path parent = ckptFile == null ? null : ckptFile.toAbsolutePath().getParent();
      boolean inRun = parent != null && parent.getFileName().toString().equals("checkpoints");
      run =
          inRun
              ? RunDirectory.existing(parent.getParent())
              : RunDirectory.create(
                  Path.of(cfg.run().results()),
                  (cfg.run().runName().isBlank()
                      ? cfg.model().tag() + "-" + cfg.preset()
                      : cfg.run().runName()));
      if (run.interruptedWritesRemoved() > 0)
        log.printf(
            Locale.ROOT,
            "removed %d unfinished temp file(s) of the interrupted run%n",
            run.interruptedWritesRemoved());
      run.writeConfig(cfg);
    }
    try (Preemption preemption = Preemption.onSigterm();
        Trainer trainer = Trainer.create(cfg, data, sync)) {
      if (ckptFile != null) {
        List<String> notes = trainer.resume(ckptFile);
        if (rank0) {
          log.printf(Locale.ROOT, "resumed from %s at step %d%n", ckptFile, trainer.stepCount());
          notes.forEach(log::println);
        }
      } else if (cfg.run().initFrom() != null) {
        // every rank loads the same file, so no broadcast is needed
        String what = FineTuneStart.apply(trainer, cfg.run().initFrom(), cfg.run().resetClasses());
        if (rank0) log.println(what);
      }
      if (rank0) {
        log.printf(Locale.ROOT, "run folder: %s%n", run.root());
        log.printf(
            Locale.ROOT,
            "model: %s, %.2fM parameters; objective: %s%n",
            trainer.model().config().describe(),
            trainer.model().parameterCount() / 1e6,
            trainer.objective().describe());
        log.printf(Locale.ROOT, "precision: %s%n", trainer.precision().describe());
        log.printf(
            Locale.ROOT,
            "data: %s, %d samples, stats %s; std modulation %s -> sigma_d=%.3f%n",
            data.name(),
            data.size(),
            trainer.stats(),
            cfg.data().stdMode().name().toLowerCase(Locale.ROOT),
            trainer.modulation().modulatedStd());
      }
      return loop(cfg, trainer, run, sync, log, reporting, preemption);
    }
  }

  private static Result loop(
      TrainConfig cfg,
      Trainer trainer,
      RunDirectory run,
      GradientSync sync,
      PrintStream log,
      Reporting reporting,
      Preemption preemption) {
    boolean rank0 = run != null;
    boolean preempted = false, timeUp = false;
    long start = trainer.stepCount();
    double rss100 = Double.NaN, rss1000 = Double.NaN, lastLoss = Double.NaN;
    Path last = null;
    long t0 = System.nanoTime(), windowStart = t0, windowStep = start;
    // Only rank 0 evaluates; the others go on to the next step's gradient all-reduce and wait there
    // (bounded by dist-timeout), as they do while rank 0 draws sample grids.
    TrainingEvaluation evaluation =
        rank0 && cfg.run().evalEvery() > 0
            ? TrainingEvaluation.open(cfg, reporting.progress(), log)
            : null;
    MetricsLog metrics =
        rank0 ? new MetricsLog(run.metrics(), start, TensorBoardEvents.create(run.root())) : null;
    if (rank0 && start > 0) metrics.restartedAt(start);
    LogWindow window = new LogWindow();
    ProgressSink.Factory sinks =
        rank0 ? reporting.progress() : (task, from, total, out) -> (step, message, logLine) -> {};
    try (ProgressSink progress = sinks.open("train", start, cfg.optim().steps(), log)) {
      while (trainer.stepCount() < cfg.optim().steps()) {
        double limit = cfg.run().timeLimitS();
        boolean overTime = limit > 0 && (System.nanoTime() - t0) / 1e9 >= limit;
        boolean[] stop = stopRequested(preemption.requested(), overTime, sync);
        if (stop[0] || stop[1]) {
          preempted = stop[0];
          timeUp = !preempted;
          break;
        }
        StepResult r = trainer.step();
        long s = r.step();
        lastLoss = r.loss();
        window.add(r);
        if (r.skipped() && rank0)
          log.printf(
              Locale.ROOT,
              "step %d skipped: %s (loss=%s, grad norm=%s)%n",
              s,
              r.skipReason(),
              r.loss(),
              r.gradNorm());
        if (s == 100) rss100 = ProcessMemory.rssMb();
        if (s == 1000) rss1000 = ProcessMemory.rssMb();
        boolean logNow = s % cfg.run().logEvery() == 0 || s == cfg.optim().steps();
        if (logNow && rank0) {
          long now = System.nanoTime();
          double secs = (now - windowStart) / 1e9, itPerS = (s - windowStep) / Math.max(secs, 1e-9);
          windowStart = now;
          windowStep = s;
          Map<String, Object> row = new LinkedHashMap<>();
          row.put("step", s);
          window.drainInto(row, r);
          row.put("lr", trainer.lr());
          row.put("it_per_s", itPerS);
          row.put("img_per_s", itPerS * cfg.optim().batch());
          row.put("rss_mb", ProcessMemory.rssMb());
          row.put("skipped_total", trainer.skippedSteps());
          row.put("elapsed_s", (now - t0) / 1e9);
          row.put("wall_time", System.currentTimeMillis() / 1000.0);
          metrics.log(row);
          progress.update(s, message(row, r.terms().keySet(), itPerS, cfg.optim().batch()), true);
        } else {
          progress.update(s, message(r), false);
        }
        if (rank0 && cfg.run().sampleEvery() > 0 && s % cfg.run().sampleEvery() == 0) {
          TrainingSamples.Drawn d =
              TrainingSamples.draw(
                  trainer.emaModel(), cfg, trainer.modulation(), trainer.precision().chosen());
          Path file = TrainingSamples.write(d, run.root(), s);
          if (d.grid() != null) metrics.image(s, "samples", d.grid());
          log.printf(Locale.ROOT, "step %d: EMA samples %s%n", s, file);
        }
        if (evaluation != null && s % cfg.run().evalEvery() == 0) {
          Map<String, Object> row =
              evaluation.evaluate(
                  s, trainer.emaModel(), cfg, trainer.modulation(), trainer.precision().chosen());
          metrics.log(row);
          log.printf(
              Locale.ROOT,
              "step %d: %s=%.4f conditional_accuracy=%.4f (%d EMA samples, %.1f s)%n",
              s,
              evaluation.fdKey(),
              row.get(evaluation.fdKey()),
              row.get("conditional_accuracy"),
              row.get("eval_samples"),
              row.get("eval_s"));
        }
        if (cfg.run().ckptEvery() > 0
            && s % cfg.run().ckptEvery() == 0
            && s < cfg.optim().steps()
            && rank0) {
          last = Checkpoint.fileFor(run.checkpoints(), s);
          trainer.save(last);
        }
      }
    } finally {
      if (metrics != null) metrics.close();
      if (evaluation != null) evaluation.close();
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    if (rank0) {
      last = Checkpoint.fileFor(run.checkpoints(), trainer.stepCount());
      trainer.save(last);
      Path png = run.root().resolve("loss.png");
      if (reporting.lossCurve() != null && metrics.rows().size() >= 2) {
        reporting
            .lossCurve()
            .write(metrics.rows(), png, "Training loss: " + cfg.model().tag() + " " + cfg.preset());
      }
      Path evalPng = run.root().resolve("eval.png");
      if (reporting.evalCurve() != null && evaluation != null) {
        reporting
            .evalCurve()
            .write(
                metrics.rows(),
                evalPng,
                "Evaluation: "
                    + cfg.model().tag()
                    + " "
                    + cfg.preset()
                    + ", "
                    + cfg.data().dataset());
      }
      if (!Double.isNaN(rss100)) log.printf(Locale.ROOT, "RSS at step 100: %.0f MB%n", rss100);
      if (!Double.isNaN(rss1000))
        log.printf(
            Locale.ROOT,
            "RSS at step 1000: %.0f MB (%+.1f%% vs step 100)%n",
            rss1000,
            100 * (rss1000 / rss100 - 1));
      if (preempted)
        log.printf(
            Locale.ROOT,
            "preempted (SIGTERM) at step %d: checkpoint %s written; continue with --resume %s; exit code %d%n",
            trainer.stepCount(),
            last,
            run.root(),
            Preemption.EXIT_CODE);
      if (timeUp)
        log.printf(
            Locale.ROOT,
            "time limit %s reached at step %d of %d: checkpoint %s written; continue with --resume %s%n",
            cfg.get("time-limit"),
            trainer.stepCount(),
            cfg.optim().steps(),
            last,
            run.root());
      log.printf(
          Locale.ROOT,
          "done: %d steps in %.1f s; checkpoint %s%s%n",
          trainer.stepCount() - start,
          seconds,
          last,
          java.nio.file.Files.exists(png) ? "; loss curve " + png : "");
    }
    // Nobody leaves before rank 0 has written the final checkpoint and plot: a launcher then sees
    // every rank succeed
    // only when the run's files are complete, and the process group is torn down with all peers
    // still present.
    sync.barrier();
    return new Result(
        run == null ? null : run.root(),
        last,
        trainer.stepCount(),
        lastLoss,
        seconds,
        rss100,
        rss1000,
        trainer.skippedSteps(),
        preempted,
        timeUp);
  }

  /**
   * Whether to stop before the next step, as {preempted, time limit reached}: SIGTERM reached this
   * process or any rank (data-parallel), or a rank's training time passed time-limit. The ranks
   * agree through one tiny all-reduce, so all stop after the same step and rank 0 saves while the
   * others wait at the final barrier; a rank that stopped alone would leave its peers waiting in
   * the next gradient all-reduce.
   */
  private static boolean[] stopRequested(boolean signal, boolean overTime, GradientSync sync) {
    double[] mine = {signal ? 1 : 0, overTime ? 1 : 0};
    double[] any = sync.worldSize() == 1 ? mine : sync.averageValues(mine);
    return new boolean[] {any[0] > 0, any[1] > 0};
  }

  /** The progress text between logging steps: the last step's loss terms. */
  private static String message(StepResult r) {
    StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "loss %.4f", r.loss()));
    r.terms().forEach((k, v) -> b.append(String.format(Locale.ROOT, " %s %.4f", k, v)));
    return b.toString();
  }

  /** At a logging step: the window's mean loss terms (as logged) and its rates. */
  private static String message(
      Map<String, Object> row, Iterable<String> terms, double itPerS, int batch) {
    StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "loss %.4f", row.get("loss")));
    for (String k : terms) b.append(String.format(Locale.ROOT, " %s %.4f", k, row.get(k)));
    b.append(String.format(Locale.ROOT, "  %.2f it/s %.1f img/s", itPerS, itPerS * batch));
    return b.toString();
  }
}
