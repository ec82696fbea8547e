package dev.iotforwarder.cmq.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * The bounds a CMQ reply is read within, so that a hostile or broken endpoint (an endless body, JSON
 * nested thousands deep, a string of a gigabyte) fails the request instead of exhausting the heap.
 *
 * <p>The size bound is derived from the largest valid reply: a {@code BatchReceiveMessage} of {@link
 * CmqRequests#MAX_BATCH} messages of {@link #MAX_MESSAGE_BYTES} each, every byte JSON-escaped as
 * {@code \\u00XX} (6 bytes), plus {@link #PER_MESSAGE_OVERHEAD} for each message's other fields and
 * {@link #ENVELOPE_OVERHEAD} for the reply's own: {@value #MAX_REPLY_BYTES} bytes (about 96 MiB). The
 * body is never buffered: Jackson streams it, and only decoded strings are held, each at most
 * {@link #MAX_STRING_CHARS} characters. Stateless.
 */
public final class ReplyLimits {
  /** The largest CMQ message body: 1 MiB (TDMQ for CMQ; legacy queues allow at most 64 KiB). */
  public static final int MAX_MESSAGE_BYTES = 1 << 20;
  /** Room for a message's fields other than the body in a reply. */
  public static final int PER_MESSAGE_OVERHEAD = 4096;
  /** Room for the reply's common fields. */
  public static final int ENVELOPE_OVERHEAD = 65536;
  /** The most bytes of a reply read before the request fails. */
  public static final long MAX_REPLY_BYTES =
      (long) CmqRequests.MAX_BATCH * (6L * MAX_MESSAGE_BYTES + PER_MESSAGE_OVERHEAD) + ENVELOPE_OVERHEAD;
  /** The longest decoded JSON string (a message body decodes to at most one char per byte). */
  public static final int MAX_STRING_CHARS = MAX_MESSAGE_BYTES + PER_MESSAGE_OVERHEAD;
  /** The deepest JSON nesting accepted; a valid reply nests 3 deep. */
  public static final int MAX_DEPTH = 32;

  private ReplyLimits() {}

  /**
   * The JSON factory replies are parsed with: the bounds above, duplicate keys rejected.
   *
   * @return a new factory
   */
  public static JsonFactory jsonFactory() {
    return JsonFactory.builder()
        .streamReadConstraints(StreamReadConstraints.builder()
            .maxNestingDepth(MAX_DEPTH)
            .maxStringLength(MAX_STRING_CHARS)
            .maxNumberLength(64)
            .maxNameLength(1024)
            .build())
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .build()
        .disable(JsonParser.Feature.AUTO_CLOSE_SOURCE);
  }

  /**
   * A stream that fails with {@link ReplyTooLargeException} once more than {@code limit} bytes were read,
   * and wraps the underlying stream's I/O errors into {@link BodyReadException}.
   *
   * @param in the body
   * @param limit the most bytes
   * @return the bounded stream
   */
  public static InputStream bounded(InputStream in, long limit) {
    return new Bounded(in, limit);
  }

  /** A reply longer than the bound. */
  public static final class ReplyTooLargeException extends IOException {
    private static final long serialVersionUID = 1L;

    ReplyTooLargeException(long limit) {
      super("reply is longer than " + limit + " bytes");
    }
  }

  /** The body could not be read to its end: a timeout, a cancel, a reset connection. */
  public static final class BodyReadException extends IOException {
    private static final long serialVersionUID = 1L;

    BodyReadException(IOException cause) {
      super(cause.getClass().getSimpleName() + (cause.getMessage() != null ? " " + cause.getMessage() : ""), cause);
    }
  }

  private static final class Bounded extends FilterInputStream {
    private final long limit;
    private long count;

    Bounded(InputStream in, long limit) {
      super(in);
      this.limit = limit;
    }

    @Override
    public int read() throws IOException {
      int b;
      try {
        b = super.read();
      } catch (IOException e) {
        throw new BodyReadException(e);
      }
      if (b >= 0) {
        counted(1);
      }
      return b;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
      int n;
      try {
        n = super.read(buf, off, len);
      } catch (IOException e) {
        throw new BodyReadException(e);
      }
      if (n > 0) {
        counted(n);
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      long s;
      try {
        s = super.skip(n);
      } catch (IOException e) {
        throw new BodyReadException(e);
      }
      counted(s);
      return s;
    }

    private void counted(long n) throws IOException {
      count += n;
      if (count > limit) {
        throw new ReplyTooLargeException(limit);
      }
    }
  }
}
