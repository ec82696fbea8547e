package dev.iotforwarder.streams.internal;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.apache.kafka.common.errors.SerializationException;

/**
 * The recent {@code Seq}s of one device, each with the time it was seen, oldest first, at most a
 * fixed number. Immutable; {@link #add} returns a new window. Binary form: an int count, then (seq,
 * time) long pairs.
 */
public final class SeqWindow {
  private static final SeqWindow EMPTY = new SeqWindow(new long[0], new long[0]);
  private final long[] seqs;
  private final long[] times;

  private SeqWindow(long[] seqs, long[] times) {
    this.seqs = seqs;
    this.times = times;
  }

  /**
   * The empty window.
   *
   * @return it
   */
  public static SeqWindow empty() {
    return EMPTY;
  }

  /**
   * Whether {@code seq} was seen at a time no older than {@code notBefore}.
   *
   * @param seq the Seq
   * @param notBefore the oldest time that still counts
   * @return {@code true} for a repeat
   */
  public boolean contains(long seq, long notBefore) {
    for (int i = 0; i < seqs.length; i++) {
      if (seqs[i] == seq && times[i] >= notBefore) {
        return true;
      }
    }
    return false;
  }

  /**
   * This window plus one Seq, without entries older than {@code notBefore} and without the oldest
   * entries beyond {@code max}.
   *
   * @param seq the Seq
   * @param time its time
   * @param notBefore entries seen before this time are dropped
   * @param max the most entries kept
   * @return the new window
   */
  public SeqWindow add(long seq, long time, long notBefore, int max) {
    int keep = 0;
    long[] s = new long[seqs.length + 1];
    long[] t = new long[seqs.length + 1];
    for (int i = 0; i < seqs.length; i++) {
      if (times[i] >= notBefore) {
        s[keep] = seqs[i];
        t[keep] = times[i];
        keep++;
      }
    }
    s[keep] = seq;
    t[keep] = time;
    keep++;
    int from = Math.max(0, keep - max);
    return new SeqWindow(Arrays.copyOfRange(s, from, keep), Arrays.copyOfRange(t, from, keep));
  }

  /**
   * The number of entries.
   *
   * @return it
   */
  public int size() {
    return seqs.length;
  }

  /**
   * Encodes a window.
   *
   * @param topic unused
   * @param w the window, may be {@code null}
   * @return the bytes, or {@code null}
   */
  public static byte[] serialize(String topic, SeqWindow w) {
    if (w == null) {
      return null;
    }
    ByteBuffer b = ByteBuffer.allocate(4 + 16 * w.seqs.length).putInt(w.seqs.length);
    for (int i = 0; i < w.seqs.length; i++) {
      b.putLong(w.seqs[i]).putLong(w.times[i]);
    }
    return b.array();
  }

  /**
   * Decodes a window.
   *
   * @param topic the topic, for the error message
   * @param data the bytes, may be {@code null}
   * @return the window, or {@code null}
   * @throws SerializationException if the length does not match the count
   */
  public static SeqWindow deserialize(String topic, byte[] data) {
    if (data == null) {
      return null;
    }
    ByteBuffer b = ByteBuffer.wrap(data);
    int n = data.length >= 4 ? b.getInt() : -1;
    if (n < 0 || data.length != 4 + 16L * n) {
      throw new SerializationException("Seq window on " + topic + " is malformed (" + data.length + " bytes)");
    }
    long[] s = new long[n];
    long[] t = new long[n];
    for (int i = 0; i < n; i++) {
      s[i] = b.getLong();
      t[i] = b.getLong();
    }
    return new SeqWindow(s, t);
  }
}
