package dev.iotforwarder.internal;

import java.io.OutputStream;
import java.util.Arrays;

/**
 * An unsynchronized growable byte buffer, reused per thread by the codec. Not thread-safe.
 */
public final class ByteArrayOutput extends OutputStream {
  private static final int RETAIN_LIMIT = 64 * 1024;

  private final int initialCapacity;
  private byte[] buf;
  private int count;

  public ByteArrayOutput(int initialCapacity) {
    this.initialCapacity = initialCapacity;
    this.buf = new byte[initialCapacity];
  }

  @Override
  public void write(int b) {
    ensure(count + 1);
    buf[count++] = (byte) b;
  }

  @Override
  public void write(byte[] b, int off, int len) {
    ensure(count + len);
    System.arraycopy(b, off, buf, count, len);
    count += len;
  }

  private void ensure(int needed) {
    if (needed > buf.length) {
      if (needed < 0) {
        throw new OutOfMemoryError("envelope larger than 2 GiB");
      }
      buf = Arrays.copyOf(buf, Math.max(needed, buf.length * 2));
    }
  }

  public void reset() {
    count = 0;
  }

  public int size() {
    return count;
  }

  public byte[] toByteArray() {
    return Arrays.copyOf(buf, count);
  }

  /** Drops a buffer that grew for one large message, so a thread does not keep it forever. */
  public void releaseIfLarge() {
    if (buf.length > RETAIN_LIMIT) {
      buf = new byte[initialCapacity];
    }
    count = 0;
  }
}
