package org.fasterdit.snr;

import java.util.Objects;
import java.util.random.RandomGenerator;
import org.fasterdit.diffusion.ContinuousSchedule;
import org.fasterdit.diffusion.DdpmSchedule;
import org.fasterdit.diffusion.NoiseSchedule;
import org.fasterdit.diffusion.TimestepDistribution;

/**
 * The probability density of l = log SNR (natural log, extended SNR with the data std) that
 * training visits when timesteps are drawn from a {@link TimestepDistribution} and pushed through a
 * {@link NoiseSchedule}.
 *
 * <p><b>Continuous schedules:</b> l(t) is strictly increasing, so p(l) = p_T(t(l)) / (dl/dt at
 * t(l)), with t(l) found by bisection and dl/dt in closed form. Evaluated at each grid point; zero
 * where the path never reaches l (e.g. below about -10 for VP).
 *
 * <p><b>Discrete DDPM:</b> training visits T point masses (l_k, m_k), which have no density. To
 * compare them with the continuous paths, each point's mass is spread evenly over its own cell in
 * l, from half way to its lower neighbour to half way to its upper neighbour (the two end cells are
 * made symmetric about their point), and the grid value is that spread mass falling inside the grid
 * bin [x - h/2, x + h/2], divided by h. Why this rather than a kernel of fixed width: the steps are
 * ~0.01 apart in l near 0 but ~1 apart at the clean end, and cells adapt to both; the result
 * integrates to exactly the total mass and, for uniform steps, approaches the continuous-time limit
 * 1 / (T |dl/dk|).
 *
 * <p><b>Monte Carlo:</b> draws timesteps, computes l, and histograms on the grid's bins. It shares
 * nothing with the analytic route but the schedule, so it is the independent check of it.
 */
public final class SnrPdf {
  /**
   * Trapezoid points over logit(t) for the moments: n spans up to 70 units, so steps are <= 0.0035.
   */
  private static final int QUADRATURE_POINTS = 20_001;

  private SnrPdf() {}

  /** The SNR PDF on {@code grid} by the exact route described in the class comment. */
  public static Curve analytic(
      NoiseSchedule schedule, TimestepDistribution dist, double dataStd, SnrGrid grid) {
    check(schedule, dist, grid);
    double shift = NoiseSchedule.dataStdShift(dataStd);
    double[] xs = grid.xs();
    double[] density = new double[xs.length];
    switch (schedule) {
      case ContinuousSchedule c -> {
        for (int i = 0; i < xs.length; i++) {
          double t = c.timeAtLogSnr(xs[i] - shift);
          // t pinned to 0 or 1 means l lies outside what the path reaches: no mass there.
          density[i] = t > 0 && t < 1 ? dist.density(t) / c.dLogSnrDt(t) : 0;
        }
      }
      case DdpmSchedule d -> {
        Cells cells = Cells.of(d, dist, shift);
        double h = grid.step();
        for (int i = 0; i < xs.length; i++) {
          density[i] = (cells.cdf(xs[i] + h / 2) - cells.cdf(xs[i] - h / 2)) / h;
        }
      }
    }
    return new Curve(dataStd, xs, density);
  }

  /** Histogram density of {@code samples} draws of log SNR on the bins of {@code grid}. */
  public static Curve monteCarlo(
      NoiseSchedule schedule,
      TimestepDistribution dist,
      double dataStd,
      SnrGrid grid,
      int samples,
      RandomGenerator rng) {
    check(schedule, dist, grid);
    Objects.requireNonNull(rng, "random generator");
    if (samples < 1)
      throw new IllegalArgumentException("Monte Carlo needs at least 1 sample, got " + samples);
    double shift = NoiseSchedule.dataStdShift(dataStd);
    long[] counts = new long[grid.points()];
    for (int i = 0; i < samples; i++) {
      double l =
          switch (schedule) {
            case ContinuousSchedule c -> c.logSnr(dist.sample(rng));
            case DdpmSchedule d -> d.logSnr(dist.sampleStep(rng, d.steps()));
          };
      int bin = grid.binOf(l + shift);
      if (bin >= 0) counts[bin]++;
    }
    double[] density = new double[counts.length];
    double norm = 1.0 / (samples * grid.step());
    for (int i = 0; i < counts.length; i++) density[i] = counts[i] * norm;
    return new Curve(dataStd, grid.xs(), density);
  }

  /** Probability that training visits log SNR in [lo, hi] (exact, not read off a grid). */
  public static double massBetween(
      NoiseSchedule schedule, TimestepDistribution dist, double dataStd, double lo, double hi) {
    Objects.requireNonNull(schedule, "noise schedule");
    Objects.requireNonNull(dist, "timestep distribution");
    if (Double.isNaN(lo) || Double.isNaN(hi) || lo > hi) {
      throw new IllegalArgumentException(
          "log-SNR window needs lo <= hi, got [" + lo + ", " + hi + "]");
    }
    double shift = NoiseSchedule.dataStdShift(dataStd);
    return switch (schedule) {
      case ContinuousSchedule c ->
          dist.cdf(c.timeAtLogSnr(hi - shift)) - dist.cdf(c.timeAtLogSnr(lo - shift));
      case DdpmSchedule d -> {
        double sum = 0;
        for (int k = 0; k < d.steps(); k++) {
          double l = d.logSnr(k) + shift;
          if (l >= lo && l <= hi) sum += dist.stepMass(k, d.steps());
        }
        yield sum;
      }
    };
  }

  /** Mean and std of log SNR over the whole distribution, plus the mass inside {@code grid}. */
  public static LogSnrStats stats(
      NoiseSchedule schedule, TimestepDistribution dist, double dataStd, SnrGrid grid) {
    check(schedule, dist, grid);
    double shift = NoiseSchedule.dataStdShift(dataStd);
    double total = 0;
    double sum = 0;
    double sumSq = 0;
    switch (schedule) {
      case ContinuousSchedule c -> {
        // Integrate over n = logit(t): the infinite log SNR at t = 0 or 1 sits in tails that vanish
        // exponentially.
        double[] range = dist.logitSupport();
        double dn = (range[1] - range[0]) / (QUADRATURE_POINTS - 1);
        for (int i = 0; i < QUADRATURE_POINTS; i++) {
          double n = range[0] + i * dn;
          double w = dist.logitDensity(n) * (i == 0 || i == QUADRATURE_POINTS - 1 ? 0.5 : 1);
          double l = c.logSnr(TimestepDistribution.sigmoid(n)) + shift;
          total += w;
          sum += w * l;
          sumSq += w * l * l;
        }
      }
      case DdpmSchedule d -> {
        for (int k = 0; k < d.steps(); k++) {
          double w = dist.stepMass(k, d.steps());
          double l = d.logSnr(k) + shift;
          total += w;
          sum += w * l;
          sumSq += w * l * l;
        }
      }
    }
    double mean = sum / total;
    double var = Math.max(0, sumSq / total - mean * mean);
    double inGrid = massBetween(schedule, dist, dataStd, grid.min(), grid.max());
    return new LogSnrStats(dataStd, mean, Math.sqrt(var), inGrid);
  }

  private static void check(NoiseSchedule schedule, TimestepDistribution dist, SnrGrid grid) {
    Objects.requireNonNull(schedule, "noise schedule");
    Objects.requireNonNull(dist, "timestep distribution");
    Objects.requireNonNull(grid, "log-SNR grid");
  }

  /** DDPM point masses spread over their cells in l; see the class comment. */
  private record Cells(double[] bounds, double[] prefix) {

    static Cells of(DdpmSchedule d, TimestepDistribution dist, double shift) {
      int steps = d.steps();
      // Step T-1 has the lowest log SNR; walk backwards so the points come out in increasing l.
      double[] l = new double[steps];
      double[] m = new double[steps];
      for (int j = 0; j < steps; j++) {
        int k = steps - 1 - j;
        l[j] = d.logSnr(k) + shift;
        m[j] = dist.stepMass(k, steps);
      }
      double[] bounds = new double[steps + 1];
      for (int j = 1; j < steps; j++) bounds[j] = 0.5 * (l[j - 1] + l[j]);
      bounds[0] = l[0] - (bounds[1] - l[0]);
      bounds[steps] = l[steps - 1] + (l[steps - 1] - bounds[steps - 1]);
      double[] prefix = new double[steps + 1];
      for (int j = 0; j < steps; j++) prefix[j + 1] = prefix[j] + m[j];
      return new Cells(bounds, prefix);
    }

    /** Spread mass below x: whole cells below, plus the covered share of the cell holding x. */
    double cdf(double x) {
      int n = bounds.length - 1;
      if (x <= bounds[0]) return 0;
      if (x >= bounds[n]) return prefix[n];
      int lo = 0;
      int hi = n; // invariant: bounds[lo] <= x < bounds[hi]
      while (hi - lo > 1) {
        int mid = (lo + hi) >>> 1;
        if (bounds[mid] <= x) lo = mid;
        else hi = mid;
      }
      double width = bounds[lo + 1] - bounds[lo];
      double share = width > 0 ? (x - bounds[lo]) / width : 1;
      return prefix[lo] + (prefix[lo + 1] - prefix[lo]) * share;
    }
  }
}
