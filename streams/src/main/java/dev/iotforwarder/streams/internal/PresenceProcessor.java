package dev.iotforwarder.streams.internal;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.StatusEvent;
import dev.iotforwarder.streams.DevicePresence;
import dev.iotforwarder.streams.NewerRule;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Keeps each device's presence in a key-value store (key {@code DeviceId}) and forwards every accepted
 * change, keyed by {@code DeviceId}. Runs on its stream task's thread only, like every processor; the
 * store is the task's own.
 *
 * <p>Only Status messages count; Publish messages and {@code null} values are skipped. A message the
 * {@link NewerRule} finds not newer leaves the store as it is and forwards nothing.
 */
public final class PresenceProcessor implements Processor<String, DeviceMessage, String, PresenceUpdate> {
  private final String storeName;
  private final NewerRule rule;
  private ProcessorContext<String, PresenceUpdate> context;
  private KeyValueStore<String, DevicePresence> store;

  /**
   * A processor over a store.
   *
   * @param storeName the presence store's name
   * @param rule the rule that orders a device's messages
   */
  public PresenceProcessor(String storeName, NewerRule rule) {
    this.storeName = storeName;
    this.rule = rule;
  }

  @Override
  public void init(ProcessorContext<String, PresenceUpdate> context) {
    this.context = context;
    this.store = context.getStateStore(storeName);
  }

  @Override
  public void process(Record<String, DeviceMessage> record) {
    DeviceMessage m = record.value();
    if (m == null || !m.isStatus()) {
      return;
    }
    DevicePresence current = store.get(m.deviceId());
    if (!rule.isNewer(current, m.event(), m.seq(), record.timestamp())) {
      return;
    }
    boolean online;
    if (StatusEvent.ONLINE.equals(m.event())) {
      online = true;
    } else if (StatusEvent.OFFLINE.equals(m.event())) {
      online = false;
    } else {
      online = current != null && current.online();
    }
    DevicePresence next = new DevicePresence(m.deviceId(), m.productName(), m.deviceName(), online,
        m.event(), m.seq(), record.timestamp());
    store.put(m.deviceId(), next);
    context.forward(record.withKey(m.deviceId()).withValue(new PresenceUpdate(current, next)));
  }
}
