package dev.iotforwarder;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A snapshot of a forwarder's counters: one {@link SinkStats} per sink (each consistent in itself),
 * plus forwarder-wide counts.
 *
 * @param forwarded calls of {@link Forwarder#forward} that were accepted (not refused after close)
 * @param filtered messages that no route took (their future completed as {@code FILTERED})
 * @param listenerErrors exceptions thrown by {@link ForwarderListener}s (logged and ignored)
 * @param sinks per-sink counters, in the order the sinks were added
 * @param spool the durable spool's counters; {@link SpoolStats#DISABLED} without a spool
 */
public record ForwarderStats(
    long forwarded,
    long filtered,
    long listenerErrors,
    Map<String, SinkStats> sinks,
    SpoolStats spool) {

  /**
   * Copies the map.
   *
   * @throws NullPointerException if {@code sinks} or {@code spool} is null
   */
  public ForwarderStats {
    sinks = Collections.unmodifiableMap(new LinkedHashMap<>(sinks));
    Objects.requireNonNull(spool, "spool == null");
  }

  /**
   * The counters of one sink.
   *
   * @param name the sink's name
   * @return its counters
   * @throws IllegalArgumentException if there is no such sink
   */
  public SinkStats sink(String name) {
    SinkStats s = sinks.get(name);
    if (s == null) {
      throw new IllegalArgumentException("no sink named " + name + "; sinks: " + sinks.keySet());
    }
    return s;
  }

  /**
   * Whether every sink's counters balance, and the spool's.
   *
   * @return {@code true} if each {@link SinkStats#balanced()} and {@link SpoolStats#balanced()}
   */
  public boolean balanced() {
    return sinks.values().stream().allMatch(SinkStats::balanced) && spool.balanced();
  }

  /**
   * A readable multi-line form: the forwarder-wide counts on the first line, then one indented
   * line per sink ({@link SinkStats#toString()}), then the spool's counters if there is a spool.
   *
   * @return the lines, separated by {@code \n}, without a trailing line break
   */
  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("forwarded ").append(forwarded).append(", filtered ").append(filtered)
        .append(", listener errors ").append(listenerErrors);
    for (SinkStats sink : sinks.values()) {
      s.append("\n  ").append(sink);
    }
    if (spool.enabled()) {
      s.append("\n  spool: ").append(spool);
    }
    return s.toString();
  }
}
