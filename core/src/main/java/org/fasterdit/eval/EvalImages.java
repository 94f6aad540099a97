package org.fasterdit.eval;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.fasterdit.data.ImageFolder;
import org.fasterdit.io.DType;
import org.fasterdit.io.HostTensor;

/**
 * Images for the Inception metrics as uint8 (N, H, W, C) tensors, C = 3 or 1 (grayscale, repeated
 * to three channels by the network's preprocessing): ADM's {@code arr_0} layout, or an
 * ImageNet-style image folder decoded and centre-cropped as training reads it.
 */
public final class EvalImages {
  private EvalImages() {}

  /** {@code arr_0} of an .npz already read: uint8 (N, H, W, 3), (N, H, W, 1) or (N, H, W). */
  public static HostTensor arr0(Path file, Map<String, HostTensor> npz) {
    HostTensor a = npz.get("arr_0");
    if (a == null) {
      throw new IllegalArgumentException(
          file
              + ": no arr_0 (expected ADM's layout: arr_0 uint8 (N, H, W, 3)); it holds "
              + npz.keySet());
    }
    long[] s = a.shape();
    boolean rankOk = s.length == 3 || (s.length == 4 && (s[3] == 1 || s[3] == 3));
    if (a.dtype() != DType.U8 || !rankOk) {
      throw new IllegalArgumentException(
          file
              + ": arr_0 must be uint8 (N, H, W, 3), (N, H, W, 1) or (N, H, W), got "
              + a.dtype()
              + " "
              + Arrays.toString(s));
    }
    if (s[0] < 1) throw new IllegalArgumentException(file + ": arr_0 holds no images");
    if (s[1] < 1 || s[2] < 1) {
      throw new IllegalArgumentException(
          file + ": arr_0 images are " + s[1] + "x" + s[2] + " pixels " + Arrays.toString(s));
    }
    return a;
  }

  /**
   * Every image of an ImageNet-style folder, centre-cropped to {@code size} x {@code size}. Off the
   * Java heap: a FID reference folder passes a Java array's 2 GiB at ~11k images of 256 x 256.
   */
  public static HostTensor folder(Path dir, int size) {
    ImageFolder f = new ImageFolder(dir, size);
    int n = f.size(), plane = size * size;
    MemorySegment out = Arena.ofAuto().allocate((long) n * 3 * plane);
    byte[] hwc = new byte[3 * plane];
    for (int i = 0; i < n; i++) {
      byte[] chw = f.decode(i); // (3, S, S)
      for (int p = 0; p < plane; p++) {
        for (int c = 0; c < 3; c++) hwc[p * 3 + c] = chw[c * plane + p];
      }
      MemorySegment.copy(hwc, 0, out, ValueLayout.JAVA_BYTE, (long) i * hwc.length, hwc.length);
    }
    return new HostTensor(DType.U8, new long[] {n, size, size, 3}, out);
  }
}
