package com.example;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.ForwarderListener;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;

/**
 * A {@link ForwarderListener} that keeps, per sink and per phase of the run (flat out, then paced),
 * the latency from {@code forward()} to the sink's acknowledgement (in a {@link LatencyHistogram}),
 * the deliveries and the time of the last acknowledgement. A delivery belongs to the phase in which
 * its message was forwarded (acknowledgement time minus latency). Called on the forwarder's threads;
 * thread-safe.
 */
final class Metrics implements ForwarderListener {
  /** What one sink's messages of one phase did. */
  static final class Phase {
    final LatencyHistogram latency = new LatencyHistogram();
    final LongAdder delivered = new LongAdder();
    final LongAccumulator lastDelivered = new LongAccumulator(Math::max, Long.MIN_VALUE);
  }

  private final Map<String, Phase[]> phases = new HashMap<>();
  private volatile long secondPhaseStartNanos = Long.MAX_VALUE;

  Metrics(List<String> sinks) {
    for (String sink : sinks) {
      phases.put(sink, new Phase[] {new Phase(), new Phase()});
    }
  }

  /** Marks the start of the second phase: messages forwarded from now on count for it. */
  void secondPhaseStarts(long nanos) {
    secondPhaseStartNanos = nanos;
  }

  long secondPhaseStartNanos() {
    return secondPhaseStartNanos;
  }

  @Override
  public void onDelivered(DeviceMessage message, String sinkName, int attempts, Duration latency) {
    long now = System.nanoTime();
    long nanos = latency.toNanos();
    Phase p = phases.get(sinkName)[now - nanos >= secondPhaseStartNanos ? 1 : 0];
    p.latency.record(nanos / 1_000);
    p.delivered.increment();
    p.lastDelivered.accumulate(now);
  }

  /** The first phase's figures of a sink (the whole run's if it had one phase). */
  Phase first(String sink) {
    return phases.get(sink)[0];
  }

  /** The second phase's figures of a sink. */
  Phase second(String sink) {
    return phases.get(sink)[1];
  }

  @Override
  public String toString() {
    return "demo metrics";
  }
}
