package dev.iotforwarder.micrometer;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.ForwarderBuilder;
import dev.iotforwarder.ForwarderListener;
import dev.iotforwarder.MessageType;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Times each delivery from {@code forward()} to the sink's acknowledgement, as the Micrometer timer
 * {@code iot.forwarder.delivery} tagged {@code forwarder}, {@code sink} and {@code type} ({@code
 * Publish} or {@code Status}). It is a {@link ForwarderListener}: give it to the forwarder's builder
 * ({@link ForwarderBuilder#listener}) and to {@link ForwarderMetrics.Builder#deliveryTimer}, which
 * registers its meters when it binds. Until then, and after {@link ForwarderMetrics#close()}, a
 * delivery costs one volatile read.
 *
 * <p>Thread-safe: the registered timers are published as an immutable array through a volatile
 * field; binding and unbinding replace it under this object's monitor.
 */
public final class DeliveryTimer implements ForwarderListener {
  /** Name of the timer. */
  public static final String NAME = "iot.forwarder.delivery";

  private final boolean percentileHistogram;
  private volatile Registered[] registered = new Registered[0];

  private DeliveryTimer(boolean percentileHistogram) {
    this.percentileHistogram = percentileHistogram;
  }

  /**
   * A timer without a percentile histogram (count, total time and max only).
   *
   * @return the timer
   */
  public static DeliveryTimer create() {
    return new DeliveryTimer(false);
  }

  /**
   * A timer that also publishes a percentile histogram (Prometheus {@code _bucket} series), for
   * {@code histogram_quantile} over many gateways; it costs about 70 more series per sink and type.
   *
   * @return the timer
   */
  public static DeliveryTimer withPercentileHistogram() {
    return new DeliveryTimer(true);
  }

  /**
   * Records one delivery's latency.
   *
   * @param message the message
   * @param sinkName the sink
   * @param attempts how many sends it took
   * @param latency from {@code forward()} to the sink's acknowledgement
   */
  @Override
  public void onDelivered(DeviceMessage message, String sinkName, int attempts, Duration latency) {
    Registered[] r = registered;
    for (Registered reg : r) {
      Timer[] t = reg.timers.get(sinkName);
      if (t != null) {
        t[message.msgType().ordinal()].record(latency);
      }
    }
  }

  synchronized void bind(MeterRegistry registry, Tags tags, Collection<String> sinks) {
    Map<String, Timer[]> timers = new HashMap<>();
    for (String sink : sinks) {
      Timer[] byType = new Timer[MessageType.values().length];
      for (MessageType type : MessageType.values()) {
        byType[type.ordinal()] = Timer.builder(NAME)
            .description("time from forward() to the sink's acknowledgement")
            .tags(tags.and("sink", sink, "type", type.wireName()))
            .publishPercentileHistogram(percentileHistogram)
            .register(registry);
      }
      timers.put(sink, byType);
    }
    List<Registered> next = new ArrayList<>(List.of(registered));
    next.add(new Registered(registry, Map.copyOf(timers)));
    registered = next.toArray(new Registered[0]);
  }

  synchronized void unbind(MeterRegistry registry) {
    List<Registered> next = new ArrayList<>();
    for (Registered r : registered) {
      if (r.registry == registry) {
        r.timers.values().forEach(ts -> {
          for (Timer t : ts) {
            registry.remove(t);
          }
        });
      } else {
        next.add(r);
      }
    }
    registered = next.toArray(new Registered[0]);
  }

  @Override
  public String toString() {
    return "DeliveryTimer[percentileHistogram=" + percentileHistogram + "]";
  }

  private record Registered(MeterRegistry registry, Map<String, Timer[]> timers) {}
}
