package dev.iotforwarder.streams.internal;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.apache.kafka.common.errors.SerializationException;

/**
 * One device's Seq tracking for gap detection: the highest Seq of the current session, the time of
 * the newest message that moved it, and the open gaps (first, last, openedAt), oldest first. Immutable;
 * every change returns a new state. Binary form: version byte 1, high, highTime, an int count, then
 * the gaps as long triples.
 */
public final class GapState {
  private static final byte VERSION = 1;
  private final long high;
  private final long highTime;
  private final long[] gaps; // triples: first, last, openedAt

  private GapState(long high, long highTime, long[] gaps) {
    this.high = high;
    this.highTime = highTime;
    this.gaps = gaps;
  }

  /**
   * The state after a device's first message.
   *
   * @param seq its Seq
   * @param time its time
   * @return the state
   */
  public static GapState first(long seq, long time) {
    return new GapState(seq, time, new long[0]);
  }

  /**
   * The highest Seq of the current session.
   *
   * @return it
   */
  public long high() {
    return high;
  }

  /**
   * The time of the newest message that moved {@link #high}.
   *
   * @return epoch milliseconds
   */
  public long highTime() {
    return highTime;
  }

  /**
   * The number of open gaps.
   *
   * @return it
   */
  public int openGaps() {
    return gaps.length / 3;
  }

  /**
   * Open gap {@code i}: first missing Seq, last missing Seq, opened at.
   *
   * @param i the index, oldest first
   * @return a new array of three
   */
  public long[] gap(int i) {
    return Arrays.copyOfRange(gaps, i * 3, i * 3 + 3);
  }

  /**
   * Whether a Seq is in an open gap.
   *
   * @param seq the Seq
   * @return {@code true} if it is missing
   */
  public boolean isMissing(long seq) {
    for (int i = 0; i < gaps.length; i += 3) {
      if (gaps[i] <= seq && seq <= gaps[i + 1]) {
        return true;
      }
    }
    return false;
  }

  /**
   * This state with a Seq that arrived late taken out of its gap (the gap shrinks or splits).
   *
   * @param seq a Seq for which {@link #isMissing} holds
   * @return the new state
   */
  public GapState fill(long seq) {
    long[] out = new long[gaps.length + 3];
    int n = 0;
    for (int i = 0; i < gaps.length; i += 3) {
      long first = gaps[i];
      long last = gaps[i + 1];
      long opened = gaps[i + 2];
      if (seq < first || seq > last) {
        n = put(out, n, first, last, opened);
        continue;
      }
      if (first < seq) {
        n = put(out, n, first, seq - 1, opened);
      }
      if (seq < last) {
        n = put(out, n, seq + 1, last, opened);
      }
    }
    return new GapState(high, highTime, Arrays.copyOf(out, n));
  }

  /**
   * This state moved to a new highest Seq, with a gap opened for the Seqs skipped, if any.
   *
   * @param seq the new highest Seq, {@code > high} (or any Seq when {@code restart})
   * @param time its time
   * @param restart whether the device restarted its Seq (then nothing is skipped)
   * @return the new state
   */
  public GapState advance(long seq, long time, boolean restart) {
    if (restart || seq == high + 1) {
      return new GapState(seq, time, gaps);
    }
    long[] out = Arrays.copyOf(gaps, gaps.length + 3);
    put(out, gaps.length, high + 1, seq - 1, time);
    return new GapState(seq, time, out);
  }

  /**
   * This state without its oldest {@code n} open gaps.
   *
   * @param n how many to drop
   * @return the new state
   */
  public GapState dropOldest(int n) {
    return new GapState(high, highTime, Arrays.copyOfRange(gaps, n * 3, gaps.length));
  }

  /**
   * This state without the gaps opened at or before a time.
   *
   * @param openedAtOrBefore the time
   * @return the new state
   */
  public GapState dropOpenedUntil(long openedAtOrBefore) {
    long[] out = new long[gaps.length];
    int n = 0;
    for (int i = 0; i < gaps.length; i += 3) {
      if (gaps[i + 2] > openedAtOrBefore) {
        n = put(out, n, gaps[i], gaps[i + 1], gaps[i + 2]);
      }
    }
    return new GapState(high, highTime, Arrays.copyOf(out, n));
  }

  private static int put(long[] out, int n, long first, long last, long opened) {
    out[n] = first;
    out[n + 1] = last;
    out[n + 2] = opened;
    return n + 3;
  }

  /**
   * Encodes a state.
   *
   * @param topic unused
   * @param s the state, may be {@code null}
   * @return the bytes, or {@code null}
   */
  public static byte[] serialize(String topic, GapState s) {
    if (s == null) {
      return null;
    }
    ByteBuffer b = ByteBuffer.allocate(1 + 8 + 8 + 4 + 8 * s.gaps.length);
    b.put(VERSION).putLong(s.high).putLong(s.highTime).putInt(s.gaps.length / 3);
    for (long v : s.gaps) {
      b.putLong(v);
    }
    return b.array();
  }

  /**
   * Decodes a state.
   *
   * @param topic the topic, for the error message
   * @param data the bytes, may be {@code null}
   * @return the state, or {@code null}
   * @throws SerializationException if the bytes are not a state of a known version
   */
  public static GapState deserialize(String topic, byte[] data) {
    if (data == null) {
      return null;
    }
    try {
      ByteBuffer b = ByteBuffer.wrap(data);
      byte version = b.get();
      if (version != VERSION) {
        throw new SerializationException("Gap state on " + topic + " has unknown version " + version);
      }
      long high = b.getLong();
      long highTime = b.getLong();
      int count = b.getInt();
      if (count < 0 || b.remaining() != count * 24L) {
        throw new SerializationException("Gap state on " + topic + " has " + b.remaining()
            + " bytes for " + count + " gaps");
      }
      long[] gaps = new long[count * 3];
      for (int i = 0; i < gaps.length; i++) {
        gaps[i] = b.getLong();
      }
      return new GapState(high, highTime, gaps);
    } catch (BufferUnderflowException e) {
      throw new SerializationException("Gap state on " + topic + " is truncated", e);
    }
  }
}
