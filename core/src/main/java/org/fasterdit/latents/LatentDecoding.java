package org.fasterdit.latents;

import java.util.function.IntConsumer;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.fasterdit.sample.SampleSet;
import org.fasterdit.torch.HostRandom;
import org.fasterdit.torch.NativeScope;
import org.fasterdit.torch.NoGrad;
import org.fasterdit.torch.Precision;
import org.fasterdit.torch.Scalars;
import org.fasterdit.torch.Tensors;
import org.fasterdit.torch.Threads;

/**
 * Sampled latents to images. The samples arrive in data space (the sampler has already inverted the
 * std modulation), i.e. VAE latents times the scaling factor; dividing by that factor gives the
 * VAE's own latents, which the decoder turns into images in ~[-1, 1]. Decoded in batches, under the
 * given precision (autocast; the output is float32).
 */
public final class LatentDecoding {
  /** The VAE decoder: unscaled latents (N, C, h, w) to images (N, 3, H, W). */
  @FunctionalInterface
  public interface Decoder {
    Tensor decode(Tensor latents);
  }

  private LatentDecoding() {}

  /**
   * @param scalingFactor what the training latents were multiplied by after the encoder
   * @param onBatch called with the number of images decoded so far
   */
  public static SampleSet decode(
      SampleSet latents,
      double scalingFactor,
      Decoder decoder,
      Device device,
      int batch,
      Precision precision,
      IntConsumer onBatch) {
    if (!(scalingFactor > 0))
      throw new IllegalArgumentException("latent scaling factor must be > 0, got " + scalingFactor);
    int n = latents.count(), per = latents.c() * latents.h() * latents.w();
    float[] out = null;
    int oc = 0, oh = 0, ow = 0;
    for (int from = 0; from < n; from += batch) {
      int m = Math.min(batch, n - from);
      float[] z = java.util.Arrays.copyOfRange(latents.x(), from * per, (from + m) * per);
      try (var scope = NativeScope.open();
          var ng = NoGrad.on()) {
        Tensor zt =
            HostRandom.onDevice(
                Tensors.ofFloats(z, m, latents.c(), latents.h(), latents.w()), device);
        zt = zt.div(Scalars.of(scalingFactor));
        Tensor img;
        try (var t = Threads.aloneOnCpu(precision, device);
            var a = precision.autocast(device)) {
          img = decoder.decode(zt);
        }
        img = img.to(ScalarType.Float);
        if (out == null) {
          oc = (int) img.size(1);
          oh = (int) img.size(2);
          ow = (int) img.size(3);
          out = new float[Math.multiplyExact(n, oc * oh * ow)];
        }
        float[] host = Tensors.toFloats(img);
        System.arraycopy(host, 0, out, from * oc * oh * ow, host.length);
      }
      onBatch.accept(from + m);
    }
    return new SampleSet(out, latents.labels(), oc, oh, ow);
  }
}
