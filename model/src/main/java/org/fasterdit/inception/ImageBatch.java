package org.fasterdit.inception;

import java.lang.foreign.MemorySegment;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.fasterdit.io.DType;
import org.fasterdit.io.HostTensor;
import org.fasterdit.torch.Tensors;

/**
 * uint8 images to the network input, as pytorch-fid prepares them: float in [0, 1], bilinear resize
 * to 299x299 exactly as {@code F.interpolate(mode="bilinear", align_corners=False)} (no
 * antialiasing, also when shrinking), then 2x - 1. Grayscale is repeated to three channels.
 */
final class ImageBatch {
  private ImageBatch() {}

  static void check(MemorySegment images, int n, int h, int w, int c) {
    if (n < 0 || h < 1 || w < 1) {
      throw new IllegalArgumentException(
          "image batch shape ("
              + n
              + ", "
              + h
              + ", "
              + w
              + ", "
              + c
              + ") is not (N>=0, H>=1, W>=1, C)");
    }
    if (c != 1 && c != 3) {
      throw new IllegalArgumentException(
          "images must have 3 (RGB) or 1 (grayscale) channels, not " + c);
    }
    long need = (long) n * h * w * c;
    if ((long) h * w * c > Integer.MAX_VALUE || images.byteSize() != need) {
      throw new IllegalArgumentException(
          "image data holds "
              + images.byteSize()
              + " bytes, but ("
              + n
              + ", "
              + h
              + ", "
              + w
              + ", "
              + c
              + ") uint8 needs "
              + need);
    }
  }

  /** (b, h, w, c) uint8 host bytes -> (b, 3, 299, 299) float32 in [-1, 1] on {@code device}. */
  static Tensor preprocess(MemorySegment chunk, int b, int h, int w, int c, Device device) {
    Tensor u8 = Tensors.view(new HostTensor(DType.U8, new long[] {b, h, w, c}, chunk));
    Tensor x = u8.to(device, ScalarType.Float).div(new Scalar(255.0)); // copies: chunk is free
    x = x.permute(0, 3, 1, 2).contiguous(); // (b, c, h, w)
    long[] size = {FidInception.INPUT_SIZE, FidInception.INPUT_SIZE};
    x = torch.upsample_bilinear2d(x, size, false); // (b, c, 299, 299)
    if (c == 1) x = x.expand(b, 3, size[0], size[1]).contiguous();
    return x.mul(new Scalar(2.0)).sub(new Scalar(1.0));
  }
}
