package org.fasterdit.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.DeviceType;
import org.fasterdit.diffusion.DdpmSchedule;
import org.fasterdit.diffusion.FlowPath;
import org.fasterdit.diffusion.Prediction;
import org.fasterdit.io.HostTensor;
import org.fasterdit.io.Npz;
import org.fasterdit.model.CheckpointLoader;
import org.fasterdit.model.DiT;
import org.fasterdit.torch.NativeScope;
import org.fasterdit.torch.Tensors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every sampler against whole trajectories of the team's float64 Python reference
 * (benchmarks/reference/samplers_reference.py) on one small random-weight DiT: the same start noise
 * and the same per-step noise on both sides, every intermediate state compared. See
 * src/test/resources/reference/README.md for the fixture.
 */
class SamplerReferenceTest {
  static final Path DIR = Path.of("src/test/resources/reference");
  static final Map<String, HostTensor> REF = Npz.read(DIR.resolve("samplers.npz"));
  static final Device CPU = new Device(DeviceType.CPU);
  static DiT model;

  @BeforeAll
  static void load() {
    try (Arena arena = Arena.ofConfined()) {
      var sd = CheckpointLoader.readStateDict(DIR.resolve("samplers_dit.safetensors"), null, arena);
      model = CheckpointLoader.load(sd, CheckpointLoader.inferConfig(sd, 2), CPU);
    }
  }

  @AfterAll
  static void free() {
    model.close();
  }

  /** The stored draws of case {@code name}, handed out in order. */
  static StepNoise storedNoise(String name) {
    HostTensor z = REF.get(name + "_noise");
    if (z == null)
      return (d, shape) -> {
        throw new AssertionError(name + " drew noise but the reference used none");
      };
    float[] all = z.toFloatArray();
    int per = all.length / (int) z.shape()[0];
    int[] next = {0};
    return (d, shape) -> {
      assertEquals(per, Arrays.stream(shape).reduce(1, Math::multiplyExact), "noise shape");
      int k = next[0]++;
      return Tensors.ofFloats(Arrays.copyOfRange(all, k * per, (k + 1) * per), shape);
    };
  }

  record Run(List<float[]> states, List<Double> times, int evals) {}

  interface Sampler {
    Tensor run(Denoiser net, Tensor noise, StepNoise z, StepObserver obs);
  }

  static Run run(String name, Sampler sampler, double cfg) {
    List<float[]> states = new ArrayList<>();
    List<Double> times = new ArrayList<>();
    int[] evals = {0};
    try (var scope = NativeScope.open()) {
      Tensor x0 = Tensors.copyOf(REF.get("x0"));
      Tensor y = Tensors.copyOf(REF.get("y"));
      Denoiser net = Denoiser.of(model, y, Guidance.of(cfg));
      Tensor out =
          sampler.run(
              net,
              x0,
              storedNoise(name),
              (k, t, x) -> {
                states.add(Tensors.toFloats(x));
                times.add(t);
                evals[0] = k;
              });
      assertTrue(Arrays.equals(states.getLast(), Tensors.toFloats(out)), "result = last state");
    }
    return new Run(states, times, evals[0]);
  }

  /**
   * Each state within 1e-5 of the reference state's largest magnitude (float32 against float64
   * through a DiT, whose outputs are amplified by up to 1/sqrt(abar) ~ 150 on the DDPM path).
   */
  static void compare(String name, Run got) {
    HostTensor want = REF.get(name + "_states");
    double[] wt = REF.get(name + "_times").toDoubleArray();
    int steps = (int) want.shape()[0];
    assertEquals(steps, got.states().size(), name + ": number of steps");
    float[] all = want.toFloatArray();
    int per = all.length / steps;
    double worst = 0;
    for (int s = 0; s < steps; s++) {
      assertEquals(wt[s], got.times().get(s), 1e-5 * Math.max(1, Math.abs(wt[s])), name + " time");
      float[] w = Arrays.copyOfRange(all, s * per, (s + 1) * per), g = got.states().get(s);
      double scale = 0, err = 0;
      for (float v : w) scale = Math.max(scale, Math.abs(v));
      for (int i = 0; i < per; i++) err = Math.max(err, Math.abs(g[i] - w[i]));
      worst = Math.max(worst, err / scale);
      assertTrue(
          err <= 1e-5 * scale, name + " step " + s + ": max err " + err + " at scale " + scale);
    }
    System.out.printf("%-20s %2d states, worst relative error %.2e%n", name, steps, worst);
  }

  static double scalar(String key) {
    return REF.get(key).getDouble(0);
  }

  @Test
  void ddpmAncestralAndDdimFollowTheReference() {
    DdpmSchedule full = DdpmSchedule.of(DdpmSchedule.Kind.LINEAR, 1000);
    for (String name : List.of("ddpm", "ddpm_cfg", "ddim")) {
      int steps = (int) scalar(name + "_steps");
      var s = new DdpmSampler(full, steps, name.equals("ddim"), false);
      compare(name, run(name, s::sample, scalar(name + "_cfg")));
    }
  }

  @Test
  void eulerAndHeunFollowTheReference() {
    record Case(String name, FlowPath path, Prediction p, FlowSampler.Method m) {}
    for (Case c :
        List.of(
            new Case("euler", FlowPath.LINEAR, Prediction.VELOCITY, FlowSampler.Method.EULER),
            new Case("euler_cfg", FlowPath.LINEAR, Prediction.VELOCITY, FlowSampler.Method.EULER),
            new Case("heun_shift", FlowPath.LINEAR, Prediction.VELOCITY, FlowSampler.Method.HEUN),
            new Case(
                "euler_cosine_noise", FlowPath.COSINE, Prediction.NOISE, FlowSampler.Method.EULER),
            new Case("heun_vp_score", FlowPath.VP, Prediction.SCORE, FlowSampler.Method.HEUN))) {
      int steps = (int) scalar(c.name() + "_steps");
      var s =
          new FlowSampler(c.path(), c.p(), c.m(), steps, scalar(c.name() + "_shift"), 1e-6, 1e-3);
      compare(c.name(), run(c.name(), s::sample, scalar(c.name() + "_cfg")));
    }
  }

  @Test
  void dopri5FollowsTheReferenceWithItsEvaluationCount() {
    var s =
        new FlowSampler(
            FlowPath.LINEAR,
            Prediction.VELOCITY,
            FlowSampler.Method.DOPRI5,
            1,
            1.0,
            scalar("dopri5_atol"),
            scalar("dopri5_rtol"));
    Run r = run("dopri5", s::sample, 1.0);
    compare("dopri5", r);
    assertEquals((int) scalar("dopri5_evals"), r.evals(), "network evaluations");
  }

  @Test
  void sdeFollowsTheReference() {
    for (String name : List.of("sde", "sde_cosine_noise")) {
      FlowPath path = name.equals("sde") ? FlowPath.LINEAR : FlowPath.COSINE;
      Prediction p = name.equals("sde") ? Prediction.VELOCITY : Prediction.NOISE;
      var s =
          new FlowSampler(
              path, p, FlowSampler.Method.SDE, (int) scalar(name + "_steps"), 1.0, 1e-6, 1e-3);
      compare(name, run(name, s::sample, 1.0));
    }
  }
}
