package org.fasterdit.study;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Function;
import org.fasterdit.data.StdModulation;
import org.fasterdit.diffusion.NoiseSchedule;
import org.fasterdit.diffusion.TimestepDistribution;
import org.fasterdit.plot.LinePlot;
import org.fasterdit.snr.LogSnrStats;
import org.fasterdit.snr.SnrGrid;
import org.fasterdit.snr.SnrPdf;
import org.fasterdit.study.StudyPlan.Arm;
import org.fasterdit.study.StudyPlan.Run;
import org.fasterdit.train.TrainConfig;

/**
 * The study's results as Markdown (which runs are complete, FD table, sampler choice, speed-ups
 * with their spread over seed pairs, wall and CPU time, each arm's log-SNR density) and an
 * FD-vs-steps plot, from the {@link Ledger} alone, so it can be rewritten at any point of the
 * study. Only complete runs (evaluated at every checkpoint with both samplers) are compared: a run
 * in progress is listed with its evaluations so far, apart, so a study that spans sessions never
 * mixes curves of different lengths.
 */
public final class StudyReport {
  private final StudyPlan plan;

  /** The evaluations of complete runs: everything compared. */
  private final List<Ledger.Eval> evals;

  /** The evaluations of runs still in progress: listed, never compared. */
  private final List<Ledger.Eval> partial;

  private final java.util.Set<String> complete = new java.util.LinkedHashSet<>();
  private final List<Ledger.Training> training;
  private final Function<Run, TrainConfig> configs;
  private final double rawStd;

  /** A curve: checkpoint steps and the FD at each. */
  record Curve(long[] steps, double[] fd) {
    Double at(long step) {
      for (int i = 0; i < steps.length; i++) if (steps[i] == step) return fd[i];
      return null;
    }

    Curve upTo(long last) {
      int n = 0;
      while (n < steps.length && steps[n] <= last) n++;
      return new Curve(java.util.Arrays.copyOf(steps, n), java.util.Arrays.copyOf(fd, n));
    }
  }

  public StudyReport(
      StudyPlan plan,
      Ledger ledger,
      String classifierId,
      Function<Run, TrainConfig> configs,
      double rawStd) {
    this.plan = plan;
    List<Ledger.Eval> all =
        ledger.evals().stream()
            .filter(
                e ->
                    e.classifier().equals(classifierId)
                        && e.nfe() == plan.nfe()
                        && e.samples() == plan.samples())
            .toList();
    for (Run r : plan.runs()) {
      boolean done = true;
      for (long step : plan.checkpoints())
        for (String sm : StudyRunner.samplers(configs.apply(r)))
          done &=
              all.stream()
                  .anyMatch(
                      e -> e.run().equals(r.id()) && e.step() == step && e.sampler().equals(sm));
      if (done) complete.add(r.id());
    }
    this.evals = all.stream().filter(e -> complete.contains(e.run())).toList();
    this.partial = all.stream().filter(e -> !complete.contains(e.run())).toList();
    this.training = ledger.training();
    this.configs = configs;
    this.rawStd = rawStd;
  }

  /** The arm's complete runs. */
  List<Run> runs(Arm a) {
    return plan.runs().stream()
        .filter(r -> r.arm().equals(a) && complete.contains(r.id()))
        .toList();
  }

  Curve curve(Run r, String sampler) {
    TreeMap<Long, Double> m = new TreeMap<>();
    for (Ledger.Eval e : evals)
      if (e.run().equals(r.id()) && e.sampler().equals(sampler)) m.put(e.step(), e.fd());
    return toCurve(m);
  }

  /** The seed mean at every step all seeds of the arm have reached. */
  Curve meanCurve(Arm a, String sampler) {
    List<Curve> cs = runs(a).stream().map(r -> curve(r, sampler)).toList();
    TreeMap<Long, Double> m = new TreeMap<>();
    if (cs.isEmpty()) return toCurve(m);
    for (long s : plan.checkpoints()) {
      double sum = 0;
      boolean all = true;
      for (Curve c : cs) {
        Double v = c.at(s);
        if (v == null) all = false;
        else sum += v;
      }
      if (all) m.put(s, sum / cs.size());
    }
    return toCurve(m);
  }

  private static Curve toCurve(TreeMap<Long, Double> m) {
    return new Curve(
        m.keySet().stream().mapToLong(Long::longValue).toArray(),
        m.values().stream().mapToDouble(Double::doubleValue).toArray());
  }

  List<String> samplers(Arm a) {
    return evals.stream()
        .filter(e -> e.arm().equals(a.name()))
        .map(Ledger.Eval::sampler)
        .distinct()
        .sorted()
        .toList();
  }

  /**
   * Mean FD of each sampler over the (run, step) pairs every sampler of the arm was evaluated at.
   */
  Map<String, Double> samplerMeans(Arm a) {
    List<String> ss = samplers(a);
    Map<String, Double> sum = new LinkedHashMap<>();
    int n = 0;
    for (Run r : runs(a)) {
      for (long s : plan.checkpoints()) {
        double[] v = new double[ss.size()];
        boolean all = true;
        for (int i = 0; i < ss.size(); i++) {
          Double x = curve(r, ss.get(i)).at(s);
          if (x == null) all = false;
          else v[i] = x;
        }
        if (!all) continue;
        n++;
        for (int i = 0; i < ss.size(); i++) sum.merge(ss.get(i), v[i], Double::sum);
      }
    }
    Map<String, Double> mean = new LinkedHashMap<>();
    for (String s : ss) mean.put(s, n == 0 ? Double.NaN : sum.getOrDefault(s, 0.0) / n);
    return mean;
  }

  /** The arm's better sampler (lower mean FD over the paired evaluations), or null before any. */
  String bestSampler(Arm a) {
    String best = null;
    double bestFd = Double.POSITIVE_INFINITY;
    for (var e : samplerMeans(a).entrySet())
      if (best == null || e.getValue() < bestFd) {
        best = e.getKey();
        bestFd = e.getValue();
      }
    return best;
  }

  Arm arm(String name) {
    return plan.arms().stream().filter(a -> a.name().equals(name)).findFirst().orElse(null);
  }

  /**
   * @param plotLink where the Markdown links the FD-vs-steps PNG
   */
  public String markdown(String plotLink) {
    StringBuilder b = new StringBuilder();
    status(b);
    table(b);
    b.append("![FD vs steps](").append(plotLink).append(")\n\n");
    samplerTable(b);
    speedUps(b, plan.finalStep());
    inProgress(b);
    wallTime(b);
    snr(b);
    return b.toString();
  }

  /** Which runs are complete, which one is in progress, which are still to come. */
  private void status(StringBuilder b) {
    List<String> started = new ArrayList<>(), waiting = new ArrayList<>();
    for (Run r : plan.trainingOrder()) {
      if (complete.contains(r.id())) continue;
      long last = lastStep(partial, r);
      if (last > 0) started.add(r.id() + " (evaluated up to step " + last + ")");
      else waiting.add(r.id());
    }
    b.append(
        String.format(
            Locale.ROOT,
            "Study status: **%d of %d runs complete** (trained to step %d and evaluated at every"
                + " checkpoint with both samplers)%s.%n%n",
            complete.size(),
            plan.runs().size(),
            plan.finalStep(),
            complete.size() == plan.runs().size() ? "" : ": the comparisons below use only these"));
    b.append("- Complete: ")
        .append(complete.isEmpty() ? "none yet" : String.join(", ", complete))
        .append('\n');
    if (!started.isEmpty())
      b.append("- In progress (not compared): ").append(String.join(", ", started)).append('\n');
    if (!waiting.isEmpty())
      b.append("- Not started (in training order): ")
          .append(String.join(", ", waiting))
          .append('\n');
    b.append('\n');
  }

  private static long lastStep(List<Ledger.Eval> es, Run r) {
    return es.stream()
        .filter(e -> e.run().equals(r.id()))
        .mapToLong(Ledger.Eval::step)
        .max()
        .orElse(0);
  }

  /** The evaluations so far of runs that are not complete, apart from every comparison. */
  private void inProgress(StringBuilder b) {
    if (partial.isEmpty()) return;
    b.append(
        "Runs in progress, evaluations so far (provisional, not in any table or speed-up above):\n\n"
            + "| run | step | sampler | FD | accuracy |\n|---|---|---|---|---|\n");
    for (Ledger.Eval e : partial)
      b.append(
          String.format(
              Locale.ROOT,
              "| %s | %d | %s | %.2f | %.3f |%n",
              e.run(),
              e.step(),
              e.sampler(),
              e.fd(),
              e.accuracy()));
    b.append('\n');
  }

  private void table(StringBuilder b) {
    b.append("| step |");
    for (Arm a : plan.arms())
      b.append(
          String.format(
              Locale.ROOT,
              " %s (%s, %d of %d seed%s) |",
              a.name(),
              Objects.requireNonNullElse(bestSampler(a), "no complete run"),
              runs(a).size(),
              a.seeds().size(),
              a.seeds().size() > 1 ? "s" : ""));
    b.append("\n|---|").append("---|".repeat(plan.arms().size())).append('\n');
    for (long s : plan.checkpoints()) {
      b.append("| ").append(s).append(" |");
      for (Arm a : plan.arms()) {
        String sm = bestSampler(a);
        Double mean = sm == null ? null : meanCurve(a, sm).at(s);
        if (mean == null) {
          b.append(" - |");
          continue;
        }
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (Run r : runs(a)) {
          double v = curve(r, sm).at(s);
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
        b.append(
            runs(a).size() > 1
                ? String.format(Locale.ROOT, " %.2f (%.2f-%.2f) |", mean, lo, hi)
                : String.format(Locale.ROOT, " %.2f |", mean));
      }
      b.append('\n');
    }
    b.append(
            "\nFD-fashion-mnist of the complete runs, mean over seeds (min-max over seeds in brackets), each arm with its better sampler"
                + " at ")
        .append(plan.nfe())
        .append(" model evaluations per sample.\n\n");
  }

  private void samplerTable(StringBuilder b) {
    b.append(
        String.format(
            Locale.ROOT,
            "Sampler choice: mean FD over every checkpoint and seed evaluated with both samplers, %d model"
                + " evaluations each (Heun: %d steps, its last an Euler step).%n%n",
            plan.nfe(),
            StudyRunner.samplerSteps("heun", plan.nfe())));
    b.append("| arm | sampler: mean FD | chosen |\n|---|---|---|\n");
    for (Arm a : plan.arms()) {
      StringBuilder cell = new StringBuilder();
      samplerMeans(a).forEach((k, v) -> cell.append(String.format(Locale.ROOT, "%s %.2f; ", k, v)));
      b.append("| ")
          .append(a.name())
          .append(" | ")
          .append(cell.toString().replaceAll("; $", ""))
          .append(" | ")
          .append(Objects.requireNonNullElse(bestSampler(a), "-"))
          .append(" |\n");
    }
    b.append('\n');
  }

  private void speedUps(StringBuilder b, long frontier) {
    if (frontier == 0) return;
    b.append(
        String.format(
            Locale.ROOT,
            "Speed-ups at step %d (complete runs only): the steps an arm needs to reach a baseline's FD at step %d (linear"
                + " interpolation between checkpoints; '<=' = reached already at the first checkpoint), and"
                + " %d / those steps. 'seed pairs' = the same for every (arm seed, baseline seed) pair, min-max.%n%n",
            frontier,
            frontier,
            frontier));
    b.append(
        "| arm | baseline | baseline FD | steps to reach it | speed-up | seed pairs |\n|---|---|---|---|---|---|\n");
    for (String base : List.of("dit", "sit")) {
      Arm ba = arm(base);
      if (ba == null || bestSampler(ba) == null) continue;
      Curve bm = meanCurve(ba, bestSampler(ba)).upTo(frontier);
      Double target = bm.at(frontier);
      if (target == null) continue;
      for (Arm a : plan.arms()) {
        if (a.equals(ba) || bestSampler(a) == null) continue;
        Curve am = meanCurve(a, bestSampler(a)).upTo(frontier);
        SpeedUp.Crossing c =
            am.steps().length == 0 ? null : SpeedUp.reach(am.steps(), am.fd(), target);
        List<Double> pairs = new ArrayList<>();
        for (Run r : runs(a))
          for (Run q : runs(ba)) {
            Curve ac = curve(r, bestSampler(a)).upTo(frontier);
            Double t = curve(q, bestSampler(ba)).at(frontier);
            if (t == null || ac.steps().length == 0) continue;
            SpeedUp.Crossing pc = SpeedUp.reach(ac.steps(), ac.fd(), t);
            pairs.add(pc == null ? Double.NaN : pc.speedUp(frontier));
          }
        b.append(
            String.format(
                Locale.ROOT,
                "| %s | %s | %.2f | %s | %s | %s |%n",
                a.name(),
                base,
                target,
                c == null
                    ? "not reached"
                    : (c.atFirstCheckpoint() ? "<= " : "") + Math.round(c.step()),
                c == null
                        && (am.steps().length == 0 || am.steps()[am.steps().length - 1] < frontier)
                    ? "pending (evaluated up to step "
                        + (am.steps().length == 0 ? 0 : am.steps()[am.steps().length - 1])
                        + ")"
                    : c == null
                        ? String.format(
                            Locale.ROOT,
                            "< 1 (FD %.2f at step %d)",
                            am.fd()[am.fd().length - 1],
                            frontier)
                        : (c.atFirstCheckpoint() ? ">= " : "")
                            + String.format(Locale.ROOT, "%.2fx", c.speedUp(frontier)),
                range(pairs)));
      }
    }
    Arm f = arm("fasterdit");
    if (f != null && bestSampler(f) != null) {
      Curve fm = meanCurve(f, bestSampler(f)).upTo(frontier);
      for (String base : List.of("dit", "sit")) {
        Arm ba = arm(base);
        if (ba == null
            || bestSampler(ba) == null
            || meanCurve(ba, bestSampler(ba)).at(frontier) == null) continue;
        double goal = base.equals("dit") ? 1.0 / 3 : 2.0 / 3;
        SpeedUp.Crossing c =
            SpeedUp.reach(fm.steps(), fm.fd(), meanCurve(ba, bestSampler(ba)).at(frontier));
        String verdict = c != null && c.step() <= goal * frontier ? "**met**" : "**not met**";
        b.append(
            String.format(
                Locale.ROOT,
                "%nGoal vs %s: fasterdit within %.0f steps (%s of %d): %s (%s; complete seeds:"
                    + " fasterdit %d of %d, %s %d of %d).",
                base,
                goal * frontier,
                base.equals("dit") ? "1/3" : "2/3",
                frontier,
                verdict,
                c == null
                    ? "not reached"
                    : String.format(Locale.ROOT, "reached at ~%d", Math.round(c.step())),
                runs(f).size(),
                f.seeds().size(),
                base,
                runs(ba).size(),
                ba.seeds().size()));
      }
      b.append("\n\n");
    }
  }

  private static String range(List<Double> v) {
    if (v.isEmpty()) return "-";
    double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
    int never = 0;
    for (double x : v) {
      if (Double.isNaN(x)) never++;
      else {
        lo = Math.min(lo, x);
        hi = Math.max(hi, x);
      }
    }
    String r = never == v.size() ? "" : String.format(Locale.ROOT, "%.2f-%.2fx", lo, hi);
    if (never > 0) r += (r.isEmpty() ? "" : ", ") + never + " of " + v.size() + " not reached";
    return r + " (" + v.size() + " pair" + (v.size() > 1 ? "s" : "") + ")";
  }

  private void wallTime(StringBuilder b) {
    b.append(
        "Time (this shared 2-core machine; wall time includes other users' load, CPU time is this"
            + " study's process):\n\n| arm | steps trained | training wall h | training CPU h | CPU s / step |"
            + " evaluation wall h |\n|---|---|---|---|---|---|\n");
    double allWall = 0, allCpu = 0, allEval = 0, loadLo = Double.POSITIVE_INFINITY, loadHi = 0;
    for (Arm a : plan.arms()) {
      long steps = 0;
      double wall = 0, cpu = 0, ev = 0;
      for (Ledger.Training t : training)
        if (t.arm().equals(a.name())) {
          steps += t.to() - t.from();
          wall += t.wallS();
          cpu += t.cpuS();
          loadLo = Math.min(loadLo, t.load1());
          loadHi = Math.max(loadHi, t.load1());
        }
      for (Ledger.Eval e : evals) if (e.arm().equals(a.name())) ev += e.seconds();
      allWall += wall;
      allCpu += cpu;
      allEval += ev;
      b.append(
          String.format(
              Locale.ROOT,
              "| %s | %d | %.2f | %.2f | %.3f | %.2f |%n",
              a.name(),
              steps,
              wall / 3600,
              cpu / 3600,
              steps == 0 ? Double.NaN : cpu / steps,
              ev / 3600));
    }
    b.append(
        String.format(
            Locale.ROOT,
            "| all | | %.2f | %.2f | | %.2f |%n%nLoad average (1 min) when training stretches started: %.1f-%.1f on 2 cores.%n%n",
            allWall / 3600,
            allCpu / 3600,
            allEval / 3600,
            training.isEmpty() ? Double.NaN : loadLo,
            training.isEmpty() ? Double.NaN : loadHi));
  }

  /** Each arm's training log-SNR density (extended SNR, with the std its data is scaled to). */
  private void snr(StringBuilder b) {
    b.append(
        String.format(
            Locale.ROOT,
            "Where each arm trains in log SNR (`./fasterdit snr-pdf`: extended log SNR = log(alpha^2 sigma_d^2 /"
                + " sigma^2), raw data std %.4f):%n%n| arm | schedule | timesteps | std seen | mean log SNR | sd |"
                + " mass in [-2, 2] |%n|---|---|---|---|---|---|---|%n",
            rawStd));
    SnrGrid window = new SnrGrid(-2, 2, 401);
    for (Arm a : plan.arms()) {
      TrainConfig c =
          configs.apply(new Run(a, a.seeds().get(0))); // any run: arms differ by recipe, not seed
      String schedule =
          c.objective().kind() == org.fasterdit.diffusion.ObjectiveKind.DDPM
              ? "ddpm-" + c.get("beta-schedule")
              : c.get("path");
      String ts =
          c.objective().kind() == org.fasterdit.diffusion.ObjectiveKind.DDPM
              ? "uniform"
              : c.get("timesteps");
      double std =
          new StdModulation(
                  c.data().stdMode(),
                  c.data().targetStd(),
                  new org.fasterdit.data.DataStats(
                      0, rawStd, new double[] {0}, new double[] {rawStd}, 1))
              .modulatedStd();
      LogSnrStats st =
          SnrPdf.stats(NoiseSchedule.parse(schedule), TimestepDistribution.parse(ts), std, window);
      b.append(
          String.format(
              Locale.ROOT,
              "| %s | %s | %s | %.3f | %.2f | %.2f | %.3f |%n",
              a.name(),
              schedule,
              ts
                  + (c.objective().timesteps().lognormUntil() >= 0
                      ? " until step " + c.objective().timesteps().lognormUntil()
                      : ""),
              std,
              st.mean(),
              st.std(),
              st.massInGrid()));
    }
    b.append('\n');
  }

  /** FD vs steps, one line per arm (seed mean, its chosen sampler). */
  public void writePlot(Path png) {
    LinePlot p =
        LinePlot.create(
                "FD-fashion-mnist vs training steps (seed mean, best sampler at NFE "
                    + plan.nfe()
                    + ")")
            .xLabel("training steps")
            .yLabel("FD-fashion-mnist")
            .logY();
    int n = 0;
    for (Arm a : plan.arms()) {
      String s = bestSampler(a);
      if (s == null) continue;
      Curve c = meanCurve(a, s);
      if (c.steps().length == 0) continue;
      p.series(
          a.name() + " (" + s + ")",
          java.util.Arrays.stream(c.steps()).asDoubleStream().toArray(),
          c.fd());
      n++;
    }
    if (n > 0) p.write(png);
  }
}
