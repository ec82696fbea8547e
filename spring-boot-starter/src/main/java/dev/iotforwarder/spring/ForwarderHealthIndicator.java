package dev.iotforwarder.spring;

import dev.iotforwarder.ForwarderStats;
import dev.iotforwarder.SinkStats;
import dev.iotforwarder.SpoolStats;
import dev.iotforwarder.spi.Sink;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The forwarder's health ({@code iotForwarder} in {@code /actuator/health}): UP while every sink is
 * healthy, DOWN otherwise. Details: per sink its state and its queued, in-flight and failed counts;
 * with a spool, its backlog (pending messages, bytes on disk, and the oldest pending message's age
 * as an ISO-8601 duration). Thread-safe: it reads one stats snapshot per call.
 */
public final class ForwarderHealthIndicator implements HealthIndicator {
  private final ConfiguredForwarder configured;

  /**
   * An indicator for a forwarder.
   *
   * @param configured the forwarder and its sinks
   */
  public ForwarderHealthIndicator(ConfiguredForwarder configured) {
    this.configured = configured;
  }

  /**
   * Reads the sinks' health and one stats snapshot.
   *
   * @return the health, with details
   */
  @Override
  public Health health() {
    ForwarderStats stats = configured.forwarder().stats();
    boolean allUp = true;
    Map<String, Object> sinks = new LinkedHashMap<>();
    for (SinkStats s : stats.sinks().values()) {
      boolean up = sinkHealthy(configured.sinks().get(s.name()), s);
      allUp &= up;
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("status", up ? "UP" : "DOWN");
      d.put("lane", s.health() == SinkStats.Health.PROBING ? "probing" : "healthy");
      d.put("queued", s.queued());
      d.put("inflight", s.inflight());
      d.put("failed", s.failed());
      sinks.put(s.name(), d);
    }
    Health.Builder h = (allUp ? Health.up() : Health.down()).withDetail("sinks", sinks);
    SpoolStats spool = stats.spool();
    if (spool.enabled()) {
      h.withDetail("spool", Map.of("backlog", spool.pending() > 0, "pending", spool.pending(),
          "diskBytes", spool.diskBytes(), "oldestPendingAge", spool.oldestPendingAge().toString()));
    }
    return h.build();
  }

  /**
   * One sink's health: its lane is not probing it ({@link SinkStats.Health#HEALTHY}: the sink has
   * not failed every recent send) and the sink itself reports healthy ({@link Sink#isHealthy()}).
   *
   * @param sink the sink, or null if unknown
   * @param stats its counters
   * @return whether it is healthy
   */
  static boolean sinkHealthy(Sink sink, SinkStats stats) {
    return stats.health() == SinkStats.Health.HEALTHY && (sink == null || sink.isHealthy());
  }
}
