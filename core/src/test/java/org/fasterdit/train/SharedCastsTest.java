package org.fasterdit.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.fasterdit.diffusion.LossTerms;
import org.fasterdit.model.DiT;
import org.fasterdit.model.DiTConfig;
import org.fasterdit.torch.Devices;
import org.fasterdit.torch.NativeScope;
import org.fasterdit.torch.NoGrad;
import org.fasterdit.torch.Precision;
import org.fasterdit.torch.Scalars;
import org.fasterdit.torch.Tensors;
import org.junit.jupiter.api.Test;

/** One bf16 copy of the weights for both step workers computes the same gradients as two. */
class SharedCastsTest {
  private static final Device CPU = Devices.resolve("cpu");

  /** The fp32 gradients of every trainable parameter, after they were summed over the workers. */
  private static List<float[]> gradients(List<Tensor> trainable) {
    List<float[]> g = new ArrayList<>();
    for (Tensor p : trainable) g.add(Tensors.toFloats(p.grad()));
    return g;
  }

  @Test
  void sharedBf16CopiesGiveTheGradientsOfPerWorkerCastsBitForBit() {
    try (var scope = NativeScope.open();
        var workers = new ParallelMicroBatch(2);
        DiT model = new DiT(new DiTConfig(2, 64, 4, 2, 8, 4, 10, false), CPU, 1)) {
      torch.manual_seed(5);
      List<Tensor> trainable = new ArrayList<>();
      try (var ng = NoGrad.on()) {
        // adaLN-Zero starts most gradients at zero: perturb every weight so all of them carry one
        for (var e : model.params().named().entrySet()) {
          if (!model.params().isTrainable(e.getKey())) continue;
          Tensor p = e.getValue();
          p.add_(torch.randn(p.sizes().vec().get()).mul(Scalars.of(0.05)));
          trainable.add(p);
        }
      }
      Tensor x = torch.randn(4, 4, 8, 8), t = torch.rand(4).mul(Scalars.of(999.0));
      Tensor y = Tensors.ofLongs(new long[] {0, 3, 7, 10}, 4);
      ParallelMicroBatch.SliceLoss loss =
          (from, n) -> {
            try (var a = Precision.BF16.autocast(CPU)) {
              Tensor out =
                  model.forward(x.narrow(0, from, n), t.narrow(0, from, n), y.narrow(0, from, n));
              Tensor total = out.to(ScalarType.Float).square().mean();
              return new LossTerms(total, Map.of());
            }
          };

      workers.run(trainable, trainable, 0, 4, 1.0, loss); // autocast casts on each worker
      List<float[]> perWorker = gradients(trainable);
      for (Tensor p : trainable) p.mutable_grad().reset();
      try (var casts =
          SharedCasts.make(model.params(), ScalarType.BFloat16, workers::acrossParameters)) {
        List<Tensor> inUse = casts.inUse(trainable);
        long copies =
            inUse.stream().filter(u -> u.scalar_type().intern() == ScalarType.BFloat16).count();
        assertEquals(model.params().matmulOperands().size(), copies);
        assertTrue(copies > 0 && copies < trainable.size(), "the label table stays fp32");
        workers.run(trainable, inUse, 0, 4, 1.0, loss);
      }
      List<float[]> shared = gradients(trainable);

      int nonZero = 0;
      for (int i = 0; i < trainable.size(); i++) {
        assertEquals(ScalarType.Float, trainable.get(i).grad().scalar_type().intern());
        assertArrayEquals(perWorker.get(i), shared.get(i), "parameter " + i);
        for (float v : shared.get(i))
          if (v != 0) {
            nonZero++;
            break;
          }
      }
      assertTrue(nonZero > trainable.size() / 2, nonZero + " parameters with a gradient");
      for (Tensor p : trainable)
        assertSame(p, model.params().inUse(p), "closing restores the fp32 parameters");
    }
  }
}
