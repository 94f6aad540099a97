package org.fasterdit.dist;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.fasterdit.torch.NativeScope;
import org.fasterdit.torch.NoGrad;

/**
 * Packs many small tensors into a few flat ones for collectives. One all-reduce per parameter would
 * pay the network latency a few hundred times per step; one per ~25 MB bucket pays it a handful of
 * times while buckets stay small enough not to double peak memory. Buckets follow the list order
 * and split where the dtype changes, so every rank, given the same list, builds the same buckets:
 * the precondition of matching collectives.
 */
final class FlatBuckets {
  static final long DEFAULT_BUCKET_BYTES = 25L << 20;

  private FlatBuckets() {}

  /**
   * Index ranges [from, to) of {@code tensors}, each of one dtype and at most {@code maxBytes} (or
   * one tensor).
   */
  static List<int[]> plan(List<Tensor> tensors, long maxBytes) {
    List<int[]> out = new ArrayList<>();
    int start = 0;
    long bytes = 0;
    for (int i = 0; i < tensors.size(); i++) {
      Tensor t = tensors.get(i);
      long n = t.nbytes();
      boolean typeChange =
          i > start && tensors.get(start).scalar_type().intern() != t.scalar_type().intern();
      if (i > start && (typeChange || bytes + n > maxBytes)) {
        out.add(new int[] {start, i});
        start = i;
        bytes = 0;
      }
      bytes += n;
    }
    if (start < tensors.size()) out.add(new int[] {start, tensors.size()});
    return out;
  }

  /**
   * For each bucket: copies its tensors into one flat tensor, hands that to {@code collective}
   * (which changes it in place), then copies the result back into the tensors when {@code
   * copyBack}. Runs without autograd, so parameters can be overwritten in place.
   */
  static void apply(
      List<Tensor> tensors, long maxBytes, boolean copyBack, Consumer<Tensor> collective) {
    for (int[] b : plan(tensors, maxBytes)) {
      try (var scope = NativeScope.open();
          var ng = NoGrad.on()) {
        List<Tensor> part = tensors.subList(b[0], b[1]);
        Tensor[] flatViews = new Tensor[part.size()];
        for (int i = 0; i < flatViews.length; i++) flatViews[i] = part.get(i).detach().reshape(-1);
        Tensor flat = torch.cat(new TensorVector(flatViews));
        collective.accept(flat);
        if (!copyBack) continue;
        long offset = 0;
        for (Tensor t : part) {
          long n = t.numel();
          t.detach().copy_(flat.narrow(0, offset, n).view(t.sizes()));
          offset += n;
        }
      }
    }
  }
}
