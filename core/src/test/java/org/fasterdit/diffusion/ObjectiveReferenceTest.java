package org.fasterdit.diffusion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.DeviceType;
import org.fasterdit.io.HostTensor;
import org.fasterdit.io.Npz;
import org.fasterdit.torch.NativeScope;
import org.fasterdit.torch.Tensors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The objectives against values the team's Python reference
 * (benchmarks/reference/objectives_reference.py, float64) produced for fixed inputs: paths,
 * targets, MSE and direction terms, DDPM schedules, posterior, VB and DDIM.
 */
class ObjectiveReferenceTest {
  static final Map<String, HostTensor> REF =
      Npz.read(Path.of("src/test/resources/reference/objectives.npz"));
  static final Device CPU = new Device(DeviceType.CPU);
  NativeScope scope;

  @BeforeEach
  void open() {
    scope = NativeScope.open();
  }

  @AfterEach
  void close() {
    scope.close();
  }

  static Tensor t(String name) {
    return Tensors.copyOf(REF.get(name));
  }

  /** |a - ref| <= 1e-5 + 1e-4 |ref|, the float32 bound the reference README gives. */
  static void close(float[] got, HostTensor ref, String what) {
    double[] want = ref.toDoubleArray();
    assertEquals(want.length, got.length, what + ": size");
    for (int i = 0; i < got.length; i++) {
      double tol = 1e-5 + 1e-4 * Math.abs(want[i]);
      assertTrue(
          Math.abs(got[i] - want[i]) <= tol, what + "[" + i + "]: " + got[i] + " vs " + want[i]);
    }
  }

  @Test
  void flowPathsTargetsAndLossTerms() {
    double[] tv = REF.get("flow_t").toDoubleArray();
    for (String p : new String[] {"linear", "cosine", "vp"}) {
      FlowPath path = FlowPath.parse(p);
      double[] a = REF.get("flow_" + p + "_alpha").toDoubleArray(),
          s = REF.get("flow_" + p + "_sigma").toDoubleArray();
      double[] da = REF.get("flow_" + p + "_dalpha").toDoubleArray(),
          ds = REF.get("flow_" + p + "_dsigma").toDoubleArray();
      for (int i = 0; i < tv.length; i++) {
        assertEquals(a[i], path.alpha(tv[i]), 1e-12, p + " alpha");
        assertEquals(s[i], path.sigma(tv[i]), 1e-12, p + " sigma");
        assertEquals(da[i], path.dAlpha(tv[i]), 1e-10, p + " dalpha");
        assertEquals(ds[i], path.dSigma(tv[i]), 1e-10, p + " dsigma");
      }
      Tensor x = t("flow_x"), eps = t("flow_eps");
      Tensor xt =
          x.mul(Coefficients.column(Coefficients.map(tv, path::alpha), CPU))
              .add(eps.mul(Coefficients.column(Coefficients.map(tv, path::sigma), CPU)));
      close(Tensors.toFloats(xt), REF.get("flow_" + p + "_xt"), p + " xt");
      var velocity = new FlowObjective(path, Prediction.VELOCITY, TimestepSampler.uniform(), 1.0);
      Tensor target = velocity.target(x, eps, tv, CPU);
      close(Tensors.toFloats(target), REF.get("flow_" + p + "_target_velocity"), p + " velocity");
      close(
          Tensors.toFloats(
              new FlowObjective(path, Prediction.NOISE, TimestepSampler.uniform(), 0)
                  .target(x, eps, tv, CPU)),
          REF.get("flow_" + p + "_target_noise"),
          p + " noise");
      close(
          Tensors.toFloats(
              new FlowObjective(path, Prediction.SCORE, TimestepSampler.uniform(), 0)
                  .target(x, eps, tv, CPU)),
          REF.get("flow_" + p + "_target_score"),
          p + " score");
      Tensor pred = t("flow_pred").requires_grad_(true);
      LossTerms terms = velocity.terms(pred, target);
      double mse = mean(REF.get("flow_" + p + "_mse").toDoubleArray()),
          cos = mean(REF.get("flow_" + p + "_cos").toDoubleArray());
      assertEquals(mse, terms.parts().get("mse").item_double(), 1e-5 + 1e-4 * mse, p + " mse");
      assertEquals(
          cos, terms.parts().get("direction").item_double(), 1e-5 + 1e-4 * cos, p + " direction");
      close(
          new float[] {(float) terms.total().item_double()},
          REF.get("flow_" + p + "_loss"),
          p + " loss");
      terms.total().backward();
      close(
          Tensors.toFloats(pred.grad()),
          REF.get("flow_" + p + "_grad_pred"),
          p + " d loss / d pred");
    }
  }

  @Test
  void ddpmSchedulesMatch() {
    for (String s : new String[] {"linear", "cosine"}) {
      DdpmSchedule sch = DdpmSchedule.of(DdpmSchedule.parseKind(s), 1000);
      double[] betas = REF.get("ddpm_" + s + "_betas").toDoubleArray(),
          abar = REF.get("ddpm_" + s + "_abar").toDoubleArray();
      double[] plv = REF.get("ddpm_" + s + "_post_logvar_clipped").toDoubleArray();
      for (int i = 0; i < 1000; i++) {
        assertEquals(betas[i], sch.betas[i], 1e-12 * Math.abs(betas[i]) + 1e-18, s + " beta " + i);
        assertEquals(abar[i], sch.abar[i], 1e-12 * Math.abs(abar[i]) + 1e-18, s + " abar " + i);
        assertEquals(
            plv[i],
            sch.posteriorLogVarianceClipped[i],
            1e-9 * Math.abs(plv[i]) + 1e-12,
            s + " clipped log var " + i);
      }
    }
  }

  @Test
  void ddpmLossesPosteriorAndDdimMatch() {
    long[] tl = REF.get("ddpm_t").toLongArray();
    int[] idx = new int[tl.length];
    for (int i = 0; i < idx.length; i++) idx[i] = (int) tl[i];
    for (String s : new String[] {"linear", "cosine"}) {
      DdpmSchedule sch = DdpmSchedule.of(DdpmSchedule.parseKind(s), 1000);
      DdpmPosterior post = new DdpmPosterior(sch);
      Tensor x = t("ddpm_x"), eps = t("ddpm_eps");
      Tensor xt = post.qSample(x, eps, idx, CPU);
      close(Tensors.toFloats(xt), REF.get("ddpm_" + s + "_xt"), s + " xt");
      Tensor out = t("ddpm_out").requires_grad_(true);
      var obj = new DdpmObjective(sch);
      LossTerms terms = obj.terms(out, x, xt, eps, idx, CPU);
      double mse = mean(REF.get("ddpm_" + s + "_mse").toDoubleArray()),
          vb = mean(REF.get("ddpm_" + s + "_vb").toDoubleArray());
      assertEquals(mse, terms.parts().get("mse").item_double(), 1e-5 + 1e-4 * mse, s + " mse");
      assertEquals(vb, terms.parts().get("vb").item_double(), 1e-5 + 1e-4 * vb, s + " vb");
      close(
          Tensors.toFloats(obj.vbTerm(out, x, xt, idx, CPU)),
          REF.get("ddpm_" + s + "_vb"),
          s + " vb per sample");
      terms.total().backward();
      close(
          Tensors.toFloats(out.grad()),
          REF.get("ddpm_" + s + "_grad_out"),
          s + " d loss / d out (mean detached in VB)");
      Tensor[] mv = post.modelMeanLogVar(out.detach(), xt, idx, false, CPU);
      close(Tensors.toFloats(mv[0]), REF.get("ddpm_" + s + "_p_mean"), s + " p mean");
      close(Tensors.toFloats(mv[1]), REF.get("ddpm_" + s + "_p_logvar"), s + " p log var");
      Tensor e = post.epsFromX0(xt, mv[2], idx, CPU);
      double[] prev = DdpmPosterior.pick(sch.abarPrev, idx);
      Tensor ddim =
          mv[2]
              .mul(Coefficients.column(Coefficients.map(prev, Math::sqrt), CPU))
              .add(e.mul(Coefficients.column(Coefficients.map(prev, v -> Math.sqrt(1 - v)), CPU)));
      float[] got = Tensors.toFloats(ddim);
      double[] want = REF.get("ddpm_" + s + "_ddim_prev").toDoubleArray();
      int per = got.length / idx.length;
      for (int i = 0; i < got.length; i++) {
        // x0 is amplified by sqrt(1 / abar_t): scale the tolerance by it, as the reference README
        // says
        double amp = Math.sqrt(1 / sch.abar[idx[i / per]]);
        assertTrue(
            Math.abs(got[i] - want[i]) <= 1e-5 * amp + 1e-4 * Math.abs(want[i]),
            s + " ddim " + i + ": " + got[i] + " vs " + want[i]);
      }
    }
  }

  @Test
  void discretizedGaussianLikelihoodMatches() {
    Tensor lp =
        DdpmPosterior.discretizedGaussianLogLikelihood(
            t("dgll_x"), t("dgll_mean"), t("dgll_log_scale"));
    close(Tensors.toFloats(lp), REF.get("dgll_logp"), "log p");
  }

  static double mean(double[] v) {
    double s = 0;
    for (double x : v) s += x;
    return s / v.length;
  }
}
