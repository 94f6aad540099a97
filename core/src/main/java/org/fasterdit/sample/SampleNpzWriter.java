package org.fasterdit.sample;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Map;
import org.fasterdit.io.DType;
import org.fasterdit.io.HostTensor;
import org.fasterdit.io.NpzStreamWriter;

/**
 * Streams samples into an ADM-layout {@code .npz} ({@code arr_0} uint8 (N, H, W, C), then {@code
 * labels} int64 (N)) as they are made, batch by batch, so the memory used does not grow with N:
 * 50,000 images of 256x256 (9.8 G values, more than a Java array holds) go through it in the memory
 * of one batch plus the N labels. Each batch is converted exactly as {@link SampleSet#toUint8Nhwc}
 * converts a whole set, so the file is byte for byte the one {@link SampleExport#write} writes for
 * the same samples. The image shape is taken from the first batch (a decoder fixes it).
 */
public final class SampleNpzWriter {
  /** Makes the samples and hands them to the writer in sample order. */
  @FunctionalInterface
  public interface Producer {
    void produce(SampleNpzWriter sink) throws IOException;
  }

  private final NpzStreamWriter npz;
  private final long[] labels;
  private int done, c, h, w;

  private SampleNpzWriter(NpzStreamWriter npz, int count) {
    this.npz = npz;
    this.labels = new long[count];
  }

  /**
   * Writes {@code count} samples that {@code producer} hands over to {@code out} atomically, then
   * the {@code extra} members (after the labels, as the rank parts' range). A producer that hands
   * over fewer or more samples than {@code count}, or samples that are not images, is an error and
   * no file appears.
   *
   * @return the one-line description {@link SampleExport#write} also prints
   */
  public static String write(
      Path out, int count, Map<String, HostTensor> extra, Producer producer) {
    if (count < 0) throw new IllegalArgumentException("sample count " + count + " < 0");
    NpzStreamWriter.write(
        out,
        z -> {
          SampleNpzWriter s = new SampleNpzWriter(z, count);
          producer.produce(s);
          if (s.done != count)
            throw new IllegalStateException(
                "the sampler produced " + s.done + " of the " + count + " samples of " + out);
          if (count == 0) z.begin("arr_0", DType.U8, new long[] {0, 0, 0, 0});
          z.put("labels", HostTensor.ofLongs(new long[] {count}, s.labels));
          for (var e : extra.entrySet()) z.put(e.getKey(), e.getValue());
        });
    return "wrote "
        + count
        + " samples to "
        + out
        + " (arr_0 uint8 (N,H,W,C) + labels, ADM evaluator layout)";
  }

  /** The next samples, in data space (converted to uint8 here). */
  public void accept(SampleSet batch) throws IOException {
    if (!SampleExport.isImage(batch))
      throw new IllegalArgumentException(
          "samples of "
              + batch.c()
              + " channels are not images: they cannot go into an ADM-layout .npz");
    acceptUint8(
        MemorySegment.ofArray(batch.toUint8Nhwc()),
        batch.labels(),
        batch.c(),
        batch.h(),
        batch.w());
  }

  /**
   * The next {@code labels.length} samples already as uint8 (n, h, w, c), e.g. a mapped rank part.
   */
  public void acceptUint8(MemorySegment nhwc, long[] batchLabels, int c, int h, int w)
      throws IOException {
    int n = batchLabels.length;
    if (n == 0) return;
    if (n > labels.length - done)
      throw new IllegalStateException(
          (done + n) + " samples handed over for an output of " + labels.length);
    if (done == 0) {
      this.c = c;
      this.h = h;
      this.w = w;
      npz.begin("arr_0", DType.U8, new long[] {labels.length, h, w, c});
    } else if (c != this.c || h != this.h || w != this.w) {
      throw new IllegalStateException(
          "samples of "
              + h
              + "x"
              + w
              + "x"
              + c
              + " after samples of "
              + this.h
              + "x"
              + this.w
              + "x"
              + this.c);
    }
    if (nhwc.byteSize() != (long) n * h * w * c)
      throw new IllegalArgumentException(
          nhwc.byteSize() + " bytes for " + n + " samples of " + h + "x" + w + "x" + c);
    npz.append(nhwc);
    System.arraycopy(batchLabels, 0, labels, done, n);
    done += n;
  }
}
