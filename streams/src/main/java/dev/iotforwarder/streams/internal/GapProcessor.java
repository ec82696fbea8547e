package dev.iotforwarder.streams.internal;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.streams.SeqGap;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Tracks each device's Seq ({@link GapState}, key {@code DeviceId}) and forwards a {@link SeqGap}, keyed
 * by {@code DeviceId}, for each gap still open {@code grace} after it opened (stream time, checked by a
 * stream-time punctuation every half grace), or at once when a device has more open gaps than allowed.
 * Runs on its stream task's thread only (process and punctuation alike); the store is the task's own.
 *
 * <p>Per message (Seq {@code s}, time {@code t}; state: highest Seq {@code high} at {@code highTime}):
 * an {@code s} in an open gap fills it; otherwise a message older than {@code highTime} changes nothing;
 * {@code s > high} moves {@code high}, opening a gap for the Seqs skipped; {@code s == high} is a
 * repeat; {@code s < high} is a Seq restart if {@code t >= highTime + grace}, a repeat otherwise.
 *
 * @param <K> the input key
 */
public final class GapProcessor<K> implements Processor<K, DeviceMessage, String, SeqGap> {
  private final String storeName;
  private final long graceMillis;
  private final int maxOpenGaps;
  private ProcessorContext<String, SeqGap> context;
  private KeyValueStore<String, GapState> store;

  /**
   * A processor over a store.
   *
   * @param storeName the store's name
   * @param graceMillis how long a gap may stay open before it is reported, positive
   * @param maxOpenGaps the most open gaps per device, {@code >= 1}
   */
  public GapProcessor(String storeName, long graceMillis, int maxOpenGaps) {
    this.storeName = storeName;
    this.graceMillis = graceMillis;
    this.maxOpenGaps = maxOpenGaps;
  }

  @Override
  public void init(ProcessorContext<String, SeqGap> context) {
    this.context = context;
    this.store = context.getStateStore(storeName);
    context.schedule(Duration.ofMillis(Math.max(1, graceMillis / 2)), PunctuationType.STREAM_TIME, this::report);
  }

  @Override
  public void process(Record<K, DeviceMessage> record) {
    DeviceMessage m = record.value();
    if (m == null) {
      return;
    }
    String id = m.deviceId();
    long s = m.seq();
    long t = record.timestamp();
    GapState state = store.get(id);
    if (state == null) {
      store.put(id, GapState.first(s, t));
    } else if (state.isMissing(s)) {
      store.put(id, state.fill(s));
    } else if (t < state.highTime() || s == state.high()) {
      return; // late, or a repeat: neither opens a gap nor restarts
    } else if (s > state.high()) {
      GapState next = state.advance(s, t, false);
      int over = next.openGaps() - maxOpenGaps;
      if (over > 0) {
        long now = context.currentStreamTimeMs();
        for (int i = 0; i < over; i++) {
          forward(id, next.gap(i), Math.max(now, t));
        }
        next = next.dropOldest(over);
      }
      store.put(id, next);
    } else if (t - state.highTime() >= graceMillis) {
      store.put(id, state.advance(s, t, true)); // a lower Seq after a pause: the device restarted it
    }
  }

  /** Reports and forgets every gap opened at least {@code grace} before {@code streamTime}. */
  private void report(long streamTime) {
    long due = streamTime - graceMillis;
    List<KeyValue<String, GapState>> updates = new ArrayList<>();
    try (KeyValueIterator<String, GapState> all = store.all()) {
      while (all.hasNext()) {
        KeyValue<String, GapState> kv = all.next();
        GapState state = kv.value;
        boolean any = false;
        for (int i = 0; i < state.openGaps(); i++) {
          long[] gap = state.gap(i);
          if (gap[2] <= due) {
            forward(kv.key, gap, streamTime);
            any = true;
          }
        }
        if (any) {
          updates.add(KeyValue.pair(kv.key, state.dropOpenedUntil(due)));
        }
      }
    }
    updates.forEach(kv -> store.put(kv.key, kv.value));
  }

  private void forward(String deviceId, long[] gap, long time) {
    context.forward(new Record<>(deviceId, new SeqGap(deviceId, gap[0], gap[1], gap[2], time), time));
  }
}
