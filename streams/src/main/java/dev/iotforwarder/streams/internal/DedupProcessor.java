package dev.iotforwarder.streams.internal;

import dev.iotforwarder.DeviceMessage;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Forwards a device message unless its ({@code DeviceId}, {@code Seq}) is in the device's {@link
 * SeqWindow}; a repeat is forwarded as {@code null} (the operator filters those out, and the {@code
 * null} values it gets). Runs on its
 * stream task's thread only; the store is the task's own.
 *
 * @param <K> the record key
 */
public final class DedupProcessor<K> implements FixedKeyProcessor<K, DeviceMessage, DeviceMessage> {
  private final String storeName;
  private final int maxSeqs;
  private final long retentionMillis;
  private FixedKeyProcessorContext<K, DeviceMessage> context;
  private KeyValueStore<String, SeqWindow> store;

  /**
   * A processor over a store.
   *
   * @param storeName the store's name
   * @param maxSeqs the most Seqs remembered per device
   * @param retentionMillis how long a Seq is remembered, in record time
   */
  public DedupProcessor(String storeName, int maxSeqs, long retentionMillis) {
    this.storeName = storeName;
    this.maxSeqs = maxSeqs;
    this.retentionMillis = retentionMillis;
  }

  @Override
  public void init(FixedKeyProcessorContext<K, DeviceMessage> context) {
    this.context = context;
    this.store = context.getStateStore(storeName);
  }

  @Override
  public void process(FixedKeyRecord<K, DeviceMessage> record) {
    DeviceMessage m = record.value();
    if (m == null) {
      context.forward(record);
      return;
    }
    long time = record.timestamp();
    long notBefore = time - retentionMillis;
    SeqWindow window = store.get(m.deviceId());
    if (window == null) {
      window = SeqWindow.empty();
    }
    if (window.contains(m.seq(), notBefore)) {
      context.forward(record.withValue(null));
      return;
    }
    store.put(m.deviceId(), window.add(m.seq(), time, notBefore, maxSeqs));
    context.forward(record);
  }
}
