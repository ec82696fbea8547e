package dev.iotforwarder.internal.spool;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads a segment's records one at a time, each checked against its checksum. A damaged stretch is
 * returned as a {@link Damage} that ends where the next intact record starts (found by its magic
 * and checksum), or at the limit if none follows. Not thread-safe.
 */
public final class SegmentReader implements Closeable {
  private static final int DEFAULT_BUFFER = 64 * 1024;

  private final FileChannel channel;
  private ByteBuffer buf = ByteBuffer.allocate(DEFAULT_BUFFER);
  private long bufStart;
  private int bufLen;

  /** What {@link #next} found. */
  public sealed interface Item permits Record, Damage {}

  /**
   * An intact record.
   *
   * @param seq its sequence number
   * @param offset where it starts
   * @param end where the next one starts
   * @param body the body; valid until the next call of {@link #next}
   */
  public record Record(long seq, long offset, long end, ByteBuffer body) implements Item {}

  /**
   * A damaged stretch of the segment.
   *
   * @param offset where it starts
   * @param end where the next intact record starts, or the limit
   * @param reason what was wrong with the first record
   */
  public record Damage(long offset, long end, String reason) implements Item {}

  private SegmentReader(FileChannel channel) {
    this.channel = channel;
  }

  /**
   * Opens a segment for reading.
   *
   * @param path the file
   * @return the reader
   * @throws IOException if it cannot be opened
   */
  public static SegmentReader open(Path path) throws IOException {
    return new SegmentReader(FileChannel.open(path, StandardOpenOption.READ));
  }

  /**
   * The file's size now.
   *
   * @return the size
   * @throws IOException on failure
   */
  public long size() throws IOException {
    return channel.size();
  }

  /**
   * Reads the first {@code n} bytes of the file.
   *
   * @param n how many
   * @return them, or fewer if the file is shorter
   * @throws IOException on failure
   */
  public ByteBuffer head(int n) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(n);
    while (b.hasRemaining() && channel.read(b, b.position()) > 0) {
      // keep reading
    }
    return b.flip();
  }

  /**
   * Reads what starts at {@code pos}, looking no further than {@code limit}.
   *
   * @param pos where a record should start
   * @param limit the end of the valid data (the file's size, or the writer's position)
   * @return the record, or the damaged stretch
   * @throws IOException on failure
   */
  public Item next(long pos, long limit) throws IOException {
    String why = check(pos, limit);
    if (why == null) {
      int len = intAt(pos + 4);
      long seq = longAt(pos + 8);
      ByteBuffer body = slice(pos + SpoolFormat.RECORD_HEADER_BYTES, len);
      return new Record(seq, pos, pos + SpoolFormat.RECORD_HEADER_BYTES + len, body);
    }
    for (long q = pos + 1; q + SpoolFormat.RECORD_HEADER_BYTES <= limit; q++) {
      load(q, 4, limit);
      if (intAt(q) == SpoolFormat.RECORD_MAGIC && check(q, limit) == null) {
        return new Damage(pos, q, why);
      }
    }
    return new Damage(pos, limit, why);
  }

  /** Null if an intact record starts at {@code pos}, else why not. */
  private String check(long pos, long limit) throws IOException {
    if (limit - pos < SpoolFormat.RECORD_HEADER_BYTES) {
      return "only " + (limit - pos) + " bytes left, less than a record header";
    }
    load(pos, SpoolFormat.RECORD_HEADER_BYTES, limit);
    if (intAt(pos) != SpoolFormat.RECORD_MAGIC) {
      return "no record magic";
    }
    int len = intAt(pos + 4);
    if (len < 0 || len > SpoolFormat.MAX_BODY_BYTES) {
      return "impossible record length " + len;
    }
    long end = pos + SpoolFormat.RECORD_HEADER_BYTES + len;
    if (end > limit) {
      return "record of " + len + " bytes runs past the end (" + (limit - pos
          - SpoolFormat.RECORD_HEADER_BYTES) + " bytes left)";
    }
    load(pos, SpoolFormat.RECORD_HEADER_BYTES + len, limit);
    long seq = longAt(pos + 8);
    int stored = intAt(pos + 16);
    int at = (int) (pos - bufStart) + SpoolFormat.RECORD_HEADER_BYTES;
    if (SpoolFormat.recordCrc(buf.array(), at, len, seq) != stored) {
      return "checksum mismatch";
    }
    return null;
  }

  /** Makes the bytes [pos, pos + n) available in the buffer (n may be cut at the limit). */
  private void load(long pos, int n, long limit) throws IOException {
    if (pos >= bufStart && pos + n <= bufStart + bufLen) {
      return;
    }
    int want = (int) Math.min(Math.max(n, DEFAULT_BUFFER), limit - pos);
    if (want < n) {
      throw new IllegalStateException("load past the limit");
    }
    if (buf.capacity() < want) {
      buf = ByteBuffer.allocate(want);
    } else if (buf.capacity() > DEFAULT_BUFFER && want <= DEFAULT_BUFFER) {
      buf = ByteBuffer.allocate(DEFAULT_BUFFER);
    }
    buf.clear().limit(want);
    long at = pos;
    while (buf.hasRemaining()) {
      int r = channel.read(buf, at);
      if (r < 0) {
        throw new EOFException("segment ended at " + at + " before the expected " + (pos + want));
      }
      at += r;
    }
    bufStart = pos;
    bufLen = want;
  }

  private int intAt(long pos) {
    return buf.getInt((int) (pos - bufStart));
  }

  private long longAt(long pos) {
    return buf.getLong((int) (pos - bufStart));
  }

  private ByteBuffer slice(long pos, int len) {
    return ByteBuffer.wrap(buf.array(), (int) (pos - bufStart), len).slice();
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
