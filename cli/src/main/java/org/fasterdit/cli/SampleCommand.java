package org.fasterdit.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.function.IntConsumer;
import org.fasterdit.dist.C10dGradientSync;
import org.fasterdit.dist.DistEnv;
import org.fasterdit.model.DiTConfig;
import org.fasterdit.sample.Guidance;
import org.fasterdit.sample.SampleExport;
import org.fasterdit.sample.SampleGenerator;
import org.fasterdit.sample.SampleNpzWriter;
import org.fasterdit.sample.SampleParts;
import org.fasterdit.sample.SampleSet;
import org.fasterdit.sample.SampleShards;
import org.fasterdit.sample.SampleSpec;
import org.fasterdit.sample.TrainedModel;
import org.fasterdit.torch.Precision;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code fasterdit sample --checkpoint FILE|DIR --num N [--cfg-scale S] [--sampler NAME] [--steps
 * K] ... --out FILE}.
 */
@Command(
    name = "sample",
    mixinStandardHelpOptions = true,
    description =
        "Generate samples from a checkpoint: .npz (ADM evaluator layout), .png grid, or .npy latents.")
public final class SampleCommand implements Callable<Integer> {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec cmdSpec;

  @Option(
      names = {"--checkpoint", "--ckpt"},
      required = true,
      description =
          "checkpoint file or run folder (latest checkpoint), or a file of the public DiT/SiT"
              + " code (.pt, .safetensors)")
  Path checkpoint;

  @Option(
      names = "--model",
      description = "public checkpoints: preset whose heads to use, e.g. DiT-XL/2")
  String model;

  @Option(
      names = "--heads",
      defaultValue = "0",
      description =
          "public checkpoints: attention heads (no tensor shape records them; 0 = the standard"
              + " DiT table for the width)")
  int heads;

  @Option(
      names = "--objective",
      defaultValue = "auto",
      description =
          "public checkpoints: ddpm (DiT) or flow (SiT: linear path, velocity); auto guesses from"
              + " the training args or the file name and says so (default ${DEFAULT-VALUE})")
  String objective;

  @Option(
      names = {"--num", "--num-fid-samples"},
      defaultValue = "64",
      description = "samples to generate (default ${DEFAULT-VALUE})")
  int num;

  @Option(
      names = "--cfg-scale",
      defaultValue = "1.0",
      description = "classifier-free guidance scale (1 = off)")
  double cfgScale;

  @Option(
      names = "--guidance-interval",
      description = "LO,HI in path time (0 noise .. 1 data); guidance only inside")
  String interval;

  @Option(
      names = "--guided-channels",
      defaultValue = "0",
      description = "0 = all prediction channels; 3 = the public DiT quirk")
  int guidedChannels;

  @Option(
      names = "--sampler",
      defaultValue = "auto",
      description = "euler, heun, dopri5, sde (flow); ddpm, ddim (DDPM); auto")
  String sampler;

  @Option(
      names = {"--steps", "--num-sampling-steps"},
      defaultValue = "50",
      description = "sampler steps (default ${DEFAULT-VALUE})")
  int steps;

  @Option(
      names = "--shift",
      defaultValue = "1.0",
      description = "flow time shift (> 1 spends more steps near noise)")
  double shift;

  @Option(
      names = "--atol",
      defaultValue = "1e-6",
      description = "dopri5 absolute tolerance (SiT's default 1e-6)")
  double atol;

  @Option(
      names = "--rtol",
      defaultValue = "1e-3",
      description = "dopri5 relative tolerance (SiT's default 1e-3)")
  double rtol;

  @Option(names = "--seed", defaultValue = "0")
  long seed;

  @Option(
      names = "--class",
      defaultValue = "-1",
      description = "fix every label to this class (default: uniform random)")
  int fixedClass;

  @Option(
      names = {"--batch", "--per-proc-batch-size"},
      defaultValue = "64",
      description = "images per model call (default ${DEFAULT-VALUE})")
  int batch;

  @Option(
      names = "--precision",
      defaultValue = "auto",
      description =
          "auto (bf16 where a probe of the model's matmuls finds it >= 1.25x faster here), fp32,"
              + " bf16 or fp16 (default ${DEFAULT-VALUE})")
  String precision;

  @Option(names = "--weights", defaultValue = "ema", description = "ema or model")
  String weights;

  @Option(names = "--device", defaultValue = "auto")
  String device;

  @Option(
      names = "--vae",
      description =
          "decode the sampled latents with this VAE (diffusers folder or .ckpt/.safetensors) and"
              + " write images")
  Path vae;

  @Option(
      names = "--vae-batch",
      defaultValue = "8",
      description = "latents per decoder call (default ${DEFAULT-VALUE})")
  int vaeBatch;

  @Option(
      names = "--vae-precision",
      defaultValue = "auto",
      description =
          "fp32, bf16, or auto: bf16 where a probe finds it faster on this machine (default"
              + " ${DEFAULT-VALUE})")
  String vaePrecision;

  @Option(names = "--out", description = "output file: .npz (ADM layout), .png grid or .npy")
  Path out;

  @Option(
      names = "--sample-dir",
      description =
          "folder for the output instead of --out (DiT's flag): writes samples-N.npz there")
  Path sampleDir;

  @Override
  public Integer call() {
    if ((out == null) == (sampleDir == null)) {
      throw new picocli.CommandLine.ParameterException(
          cmdSpec.commandLine(), "give exactly one of --out FILE and --sample-dir DIR");
    }
    if (out == null) out = sampleDir.resolve("samples-" + num + ".npz");
    double lo = 0, hi = 1;
    if (interval != null) {
      String[] p = interval.split(",");
      if (p.length != 2) throw new IllegalArgumentException("--guidance-interval must be LO,HI");
      lo = Double.parseDouble(p[0]);
      hi = Double.parseDouble(p[1]);
    }
    SampleSpec spec =
        new SampleSpec(
            num,
            sampler,
            steps,
            new Guidance(cfgScale, lo, hi, guidedChannels),
            seed,
            fixedClass,
            batch,
            weights,
            shift,
            atol,
            rtol);
    if (model != null && heads > 0)
      throw new IllegalArgumentException("give --model or --heads, not both");
    int h = heads > 0 ? heads : model != null ? DiTConfig.presetHeads(model) : 0;
    try (TrainedModel m = TrainedModel.open(checkpoint, weights, h, objective, device)) {
      System.out.println(m.origin());
      System.out.println("model: " + m.model().config().describe());
      var p = m.precisionFor(Precision.parse(precision), batch);
      System.out.println("precision: " + p.describe());
      var generator = m.generator(p.chosen(), batch);
      Map<String, String> vars = System.getenv();
      if (DistEnv.requested(vars)) {
        sampleSharded(spec, m, generator, p.chosen(), DistEnv.from(vars, null), vars);
        return 0;
      }
      long t0 = System.nanoTime();
      if (streams(m)) { // .npz images: batch after batch into the file, memory O(batch)
        int unit = vae != null ? SampleShards.unit(batch, vaeBatch) : batch;
        String line;
        try (var bar = ProgressBarSink.onTerminal() ? progressBar() : null;
            SampleDecoder dec = decoder(m, num)) {
          IntConsumer progress = bar != null ? bar::stepTo : done -> {};
          line =
              SampleNpzWriter.write(
                  out,
                  num,
                  Map.of(),
                  sink -> sampleBlocks(spec, generator, dec, 0, num, unit, progress, sink));
        }
        printSpeed((System.nanoTime() - t0) / 1e9, p.chosen());
        System.out.println(line);
        return 0;
      }
      SampleSet s;
      if (ProgressBarSink.onTerminal()) {
        try (var bar = progressBar()) {
          s = generator.generate(spec, bar::stepTo);
        }
      } else {
        s = generator.generate(spec, done -> {}); // redirected: only the summary lines below
      }
      printSpeed((System.nanoTime() - t0) / 1e9, p.chosen());
      if (vae != null) s = decode(s, m);
      System.out.println(SampleExport.write(s, out));
    }
    return 0;
  }

  /**
   * Under {@code launch --nproc W} (WORLD_SIZE > 1): this rank samples its block of {@link
   * SampleShards} (and decodes it), writes it as a part next to the output, and rank 0 joins the
   * parts into the output once all ranks have written. The ranks move in lock step, one collective
   * per model batch (which also gives rank 0 the global progress), so a rank that dies is noticed
   * by the others within the distributed timeout, not only at the end.
   */
  private void sampleSharded(
      SampleSpec spec,
      TrainedModel m,
      SampleGenerator generator,
      Precision chosen,
      DistEnv env,
      Map<String, String> vars) {
    int rank = env.rank(), world = env.worldSize();
    int unit = vae != null ? SampleShards.unit(batch, vaeBatch) : batch;
    SampleShards.Range range = SampleShards.of(num, unit, rank, world);
    boolean written = false, done = false;
    try (C10dGradientSync sync =
        C10dGradientSync.connect(
            env, m.model().device(), vars.get("FASTERDIT_DIST_BACKEND"), System.err)) {
      if (rank == 0)
        System.out.println(
            "distributed sampling: "
                + world
                + " ranks over "
                + sync.backendName()
                + ", "
                + env.describe());
      // every rank must sample the same run, or the parts would not add up to it
      sync.requireSame(
          "sampling arguments",
          UUID.nameUUIDFromBytes(
                  String.join(
                          "|",
                          spec.toString(),
                          checkpoint.toAbsolutePath().normalize().toString(),
                          out.toAbsolutePath().normalize().toString(),
                          String.valueOf(vae),
                          String.valueOf(vaeBatch),
                          chosen.key())
                      .getBytes(StandardCharsets.UTF_8))
              .getMostSignificantBits());
      System.out.println(
          "rank " + rank + ": samples [" + range.from() + ", " + range.to() + ") of " + num);
      long t0 = System.nanoTime();
      int rounds = 0; // model batches of the rank with the most: every rank runs that many rounds
      for (int r = 0; r < world; r++)
        rounds =
            Math.max(rounds, (SampleShards.of(num, unit, r, world).count() + batch - 1) / batch);
      me.tongfei.progressbar.ProgressBar bar =
          rank == 0 && ProgressBarSink.onTerminal() ? progressBar() : null;
      // one round per model batch; a rank with fewer batches joins the missing rounds afterwards
      IntConsumer round =
          mine -> {
            double[] all = sync.sumValues(new double[] {mine}, "sampling progress");
            if (bar != null) bar.stepTo(Math.round(all[0]));
          };
      boolean stream = streams(m);
      try {
        if (stream) { // uint8 images streamed into the part as they are made (and decoded)
          try (SampleDecoder dec = range.count() > 0 ? decoder(m, range.count()) : null) {
            SampleParts.writeImages(
                out,
                rank,
                world,
                range,
                sink ->
                    sampleBlocks(
                        spec, generator, dec, range.from(), range.to(), unit, round, sink));
          }
          for (int k = (range.count() + batch - 1) / batch; k < rounds; k++)
            round.accept(range.count());
        } else {
          SampleSet s = generator.generate(spec, range.from(), range.to(), round);
          for (int k = (range.count() + batch - 1) / batch; k < rounds; k++)
            round.accept(range.count());
          if (vae != null && range.count() > 0) s = decode(s, m);
          SampleParts.write(out, rank, world, range, s);
        }
      } finally {
        if (bar != null) bar.close();
      }
      if (rank == 0) printSpeed((System.nanoTime() - t0) / 1e9, chosen);
      sync.barrier(); // every part is written
      written = true;
      if (rank == 0) {
        System.out.println(
            stream
                ? SampleParts.joinImages(out, world, num, unit)
                : SampleExport.write(SampleParts.join(out, world, num, unit), out));
        SampleParts.delete(out, world);
      }
      done = true;
    } finally {
      // no part outlives a failed run: before the barrier each rank removes its own, after it
      // (all written, the join failed) rank 0 removes them all
      if (!done && rank == 0 && written) SampleParts.delete(out, world);
      else if (!done) SampleParts.deleteOwn(out, rank, world);
      // a rank killed while streaming its part leaves the part's temp file: rank 0 removes those
      if (!done && rank == 0) SampleParts.deleteUnfinished(out, world);
    }
  }

  private me.tongfei.progressbar.ProgressBar progressBar() {
    return new me.tongfei.progressbar.ProgressBarBuilder()
        .setTaskName("sample")
        .setInitialMax(num)
        .setStyle(me.tongfei.progressbar.ProgressBarStyle.ASCII)
        .setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(System.err))
        .build();
  }

  private void printSpeed(double secs, Precision chosen) {
    System.out.printf(
        Locale.ROOT,
        "%d samples in %.1f s (%.3f images/s, %d steps, cfg scale %s, %s)%n",
        num,
        secs,
        num / Math.max(secs, 1e-9),
        steps,
        cfgScale,
        chosen.key());
  }

  /** The sampled latents through the VAE decoder, the scaling factor undone. */
  private SampleSet decode(SampleSet latents, TrainedModel m) {
    try (SampleDecoder dec = decoder(m, latents.count())) {
      SampleSet images = dec.decode(latents);
      dec.printSpeed();
      return images;
    }
  }

  /** The --vae decoder, or null without one. */
  private SampleDecoder decoder(TrainedModel m, int count) {
    return vae == null
        ? null
        : new SampleDecoder(vae, m, m.model().config().inChannels(), vaeBatch, vaePrecision, count);
  }

  /**
   * True when the output is an .npz of images (decoded, or a model of 1 or 3 channels), which is
   * written batch by batch; other outputs (.png grid, .npy latents) are made in memory.
   */
  private boolean streams(TrainedModel m) {
    int c = m.model().config().inChannels();
    return out.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".npz")
        && (vae != null || c == 1 || c == 3);
  }

  /**
   * Samples {@code [from, to)} in blocks of {@code unit} (a multiple of the batch and, with a
   * decoder, of its batch: the model and decoder then make the very calls one pass over all samples
   * makes, so the bytes are the same), each decoded if {@code dec} is set and handed to {@code
   * sink}. {@code progress} gets the samples of the range done so far after each model batch.
   */
  private static void sampleBlocks(
      SampleSpec spec,
      SampleGenerator generator,
      SampleDecoder dec,
      int from,
      int to,
      int unit,
      IntConsumer progress,
      SampleNpzWriter sink)
      throws java.io.IOException {
    for (int at = from; at < to; at += unit) {
      int base = at - from;
      SampleSet s =
          generator.generate(spec, at, Math.min(to, at + unit), k -> progress.accept(base + k));
      sink.accept(dec != null ? dec.decode(s) : s);
    }
    if (dec != null) dec.printSpeed();
  }
}
