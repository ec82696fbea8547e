package dev.iotforwarder.internal;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/** Fails with {@link LimitExceededException} once more than a fixed number of bytes was read. */
public final class LimitedInputStream extends FilterInputStream {
  private final long limit;
  private long read;

  public LimitedInputStream(InputStream in, long limit) {
    super(in);
    this.limit = limit;
  }

  @Override
  public int read() throws IOException {
    int b = super.read();
    if (b >= 0) {
      count(1);
    }
    return b;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int n = super.read(b, off, len);
    if (n > 0) {
      count(n);
    }
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    long skipped = super.skip(n);
    count(skipped);
    return skipped;
  }

  @Override
  public void close() {
    // The caller owns the stream.
  }

  private void count(long n) throws LimitExceededException {
    read += n;
    if (read > limit) {
      throw new LimitExceededException(limit);
    }
  }

  /** More bytes than the limit. */
  public static final class LimitExceededException extends IOException {
    private static final long serialVersionUID = 1L;

    LimitExceededException(long limit) {
      super("input exceeds " + limit + " bytes");
    }
  }
}
