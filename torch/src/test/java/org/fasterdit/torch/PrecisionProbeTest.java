package org.fasterdit.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.bytedeco.pytorch.Device;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The precision decision with injected CPU flags and timings: what an AVX2-only machine, an
 * avx512_bf16 machine and CUDA get, without needing such machines.
 */
class PrecisionProbeTest {
  /** A timing that records which precisions were asked for. */
  private static final class Injected implements PrecisionProbe.Timing {
    final double fp32, bf16;
    final List<Precision> asked = new ArrayList<>();

    Injected(double fp32, double bf16) {
      this.fp32 = fp32;
      this.bf16 = bf16;
    }

    @Override
    public double gflops(Precision p) {
      asked.add(p);
      if (p == Precision.BF16 && Double.isNaN(bf16))
        throw new TorchException("bf16 matmul not implemented");
      return p == Precision.BF16 ? bf16 : fp32;
    }
  }

  private static final Set<String> AVX2 = Set.of("avx", "avx2", "fma");
  private static final Set<String> ZEN4 = Set.of("avx2", "avx512f", "avx512_bf16");
  private static final Set<String> SPR = Set.of("avx2", "avx512f", "amx_tile", "amx_bf16");

  @Test
  void avx2OnlyCpuStaysFp32WithoutTimingBf16() {
    Injected t = new Injected(150, 0.3);
    PrecisionProbe.Result r = PrecisionProbe.decide(false, AVX2, "w", t);
    assertEquals(Precision.FP32, r.chosen());
    assertTrue(t.asked.isEmpty(), "no timing at all on such a CPU: " + t.asked);
    assertTrue(r.reason().contains("avx512_bf16"), r.reason());
  }

  @Test
  void bf16CpuPicksBf16OnlyWhenClearlyFaster() {
    Injected fast = new Injected(240, 915); // the Sapphire Rapids figures of the earlier session
    PrecisionProbe.Result r = PrecisionProbe.decide(false, SPR, "width 384", fast);
    assertEquals(Precision.BF16, r.chosen());
    assertEquals(List.of(Precision.FP32, Precision.BF16), fast.asked);
    assertEquals(915, r.bf16Gflops());
    assertTrue(r.describe().startsWith("bf16 ("), r.describe());
    assertTrue(r.reason().contains("width 384"), r.reason());

    double edge = 100 * PrecisionProbe.MIN_SPEEDUP;
    assertEquals(
        Precision.BF16, PrecisionProbe.decide(false, ZEN4, "w", new Injected(100, edge)).chosen());
    assertEquals(
        Precision.FP32,
        PrecisionProbe.decide(false, ZEN4, "w", new Injected(100, edge - 1)).chosen());
    Injected slow = new Injected(100, 60);
    PrecisionProbe.Result no = PrecisionProbe.decide(false, ZEN4, "w", slow);
    assertEquals(Precision.FP32, no.chosen());
    assertEquals(
        List.of(Precision.FP32, Precision.BF16, Precision.BF16, Precision.FP32),
        slow.asked,
        "fp32 only after a second timing of both");
    assertTrue(no.reason().contains("best of two timings"), no.reason());
  }

  @Test
  void aSlowSpellDuringTheFirstBf16TimingDoesNotDecide() {
    // the machine slowed down while bf16 was first timed (0.6x), then recovered
    double[] bf16Rates = {110, 200};
    List<Precision> asked = new ArrayList<>();
    PrecisionProbe.Timing spell =
        p -> {
          asked.add(p);
          return p == Precision.FP32
              ? 100
              : bf16Rates[(int) asked.stream().filter(q -> q == p).count() - 1];
        };
    PrecisionProbe.Result r = PrecisionProbe.decide(false, ZEN4, "w", spell);
    assertEquals(Precision.BF16, r.chosen(), r.reason());
    assertEquals(200, r.bf16Gflops());
    assertEquals(100, r.fp32Gflops());
  }

  @Test
  void bf16ThatDoesNotRunMeansFp32() {
    PrecisionProbe.Result r =
        PrecisionProbe.decide(true, Set.of(), "w", new Injected(1000, Double.NaN));
    assertEquals(Precision.FP32, r.chosen());
    assertTrue(r.reason().contains("not implemented"), r.reason());
  }

  @Test
  void cudaIsTimedWhateverTheCpuFlags() {
    Injected t = new Injected(20_000, 80_000);
    assertEquals(Precision.BF16, PrecisionProbe.decide(true, AVX2, "w", t).chosen());
    assertEquals(2, t.asked.size());
  }

  @Test
  void aForcedPrecisionIsNeverProbedAndNarrowModelsStayFp32() {
    Device cpu = Devices.resolve("cpu");
    PrecisionProbe.Timing never =
        p -> {
          throw new AssertionError("timed although the precision was forced");
        };
    PrecisionProbe.Result r = PrecisionProbe.resolve(Precision.BF16, cpu, "w", never);
    assertEquals(Precision.BF16, r.chosen());
    assertTrue(r.reason().contains("precision=bf16"), r.reason());
    assertThrows(
        TorchException.class, () -> PrecisionProbe.resolve(Precision.FP16, cpu, "w", never));
    PrecisionProbe.Result narrow =
        PrecisionProbe.transformer(
            Precision.AUTO, cpu, PrecisionProbe.MIN_BF16_WIDTH / 2, 2, 16, 2, 2);
    assertEquals(Precision.FP32, narrow.chosen());
    assertTrue(narrow.reason().contains("too narrow"), narrow.reason());
  }

  @Test
  void autoParsesAndMustBeResolvedBeforeComputing() {
    assertEquals(Precision.AUTO, Precision.parse(" Auto "));
    assertEquals("bf16", Precision.parse("bfloat16").key());
    var e =
        assertThrows(
            IllegalStateException.class, () -> Precision.AUTO.autocast(Devices.resolve("cpu")));
    assertTrue(e.getMessage().contains("resolved"), e.getMessage());
    var bad = assertThrows(TorchException.class, () -> Precision.parse("fp64"));
    assertTrue(bad.getMessage().contains("auto, fp32, bf16 or fp16"), bad.getMessage());
  }

  @Test
  void cpuFlagsComeFromTheFirstProcessor(@TempDir Path dir) throws Exception {
    Path info = dir.resolve("cpuinfo");
    Files.writeString(
        info,
        "processor\t: 0\nmodel name\t: AMD EPYC\nflags\t\t: fpu avx2 avx512f avx512_bf16\n\n"
            + "processor\t: 1\nflags\t\t: fpu\n");
    Set<String> f = CpuFlags.read(info);
    assertEquals(Set.of("fpu", "avx2", "avx512f", "avx512_bf16"), f);
    assertTrue(CpuFlags.hasBf16Matmul(f));
    assertEquals(false, CpuFlags.hasBf16Matmul(CpuFlags.read(dir.resolve("missing"))));
  }
}
