package com.example;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.ForwarderListener;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAccumulator;

/**
 * A {@link ForwarderListener} that keeps, per sink, the latency from {@code forward()} to the
 * sink's acknowledgement (in a {@link LatencyHistogram}) and the time of the last acknowledgement.
 * Called on the forwarder's threads; thread-safe.
 */
final class Metrics implements ForwarderListener {
  private final Map<String, LatencyHistogram> latency = new HashMap<>();
  private final Map<String, LongAccumulator> lastDelivered = new HashMap<>();

  Metrics(List<String> sinks) {
    for (String sink : sinks) {
      latency.put(sink, new LatencyHistogram());
      lastDelivered.put(sink, new LongAccumulator(Math::max, Long.MIN_VALUE));
    }
  }

  @Override
  public void onDelivered(DeviceMessage message, String sinkName, int attempts, Duration latency) {
    this.latency.get(sinkName).record(latency.toNanos() / 1_000);
    lastDelivered.get(sinkName).accumulate(System.nanoTime());
  }

  LatencyHistogram latency(String sink) {
    return latency.get(sink);
  }

  /** {@link System#nanoTime()} of the sink's last acknowledgement, or {@link Long#MIN_VALUE}. */
  long lastDeliveredNanos(String sink) {
    return lastDelivered.get(sink).get();
  }

  @Override
  public String toString() {
    return "demo metrics";
  }
}
