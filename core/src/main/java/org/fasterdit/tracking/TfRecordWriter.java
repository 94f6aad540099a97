package org.fasterdit.tracking;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * TFRecord framing, the container of TensorBoard event files: per record a little-endian uint64
 * length, the masked CRC-32C of those 8 bytes, the data, and the masked CRC-32C of the data. The
 * mask (rotate right by 15, add a constant) is TensorFlow's, so that a CRC of data that itself
 * holds CRCs stays well distributed.
 */
final class TfRecordWriter {
  private static final int MASK_DELTA = 0xa282ead8;
  private final OutputStream out;

  TfRecordWriter(OutputStream out) {
    this.out = out;
  }

  /** Writes one record and flushes it, so a crash loses at most the record being written. */
  void write(byte[] data) throws IOException {
    ByteBuffer header = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
    header.putLong(data.length);
    header.putInt(maskedCrc32c(header.array(), 0, 8));
    ByteBuffer footer = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
    footer.putInt(maskedCrc32c(data, 0, data.length));
    out.write(header.array());
    out.write(data);
    out.write(footer.array());
    out.flush();
  }

  static int maskedCrc32c(byte[] b, int off, int len) {
    CRC32C crc = new CRC32C();
    crc.update(b, off, len);
    int c = (int) crc.getValue();
    return ((c >>> 15) | (c << 17)) + MASK_DELTA;
  }
}
