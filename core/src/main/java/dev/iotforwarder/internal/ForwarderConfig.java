package dev.iotforwarder.internal;

import dev.iotforwarder.ForwarderListener;
import dev.iotforwarder.LaneOptions;
import dev.iotforwarder.MessageFilter;
import dev.iotforwarder.SpoolOptions;
import dev.iotforwarder.spi.DeadLetterSink;
import dev.iotforwarder.spi.Sink;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ThreadFactory;

/** The validated settings the builder hands to the {@link Pipeline}; no spool when {@code spoolDirectory} is null. */
public record ForwarderConfig(
    List<RouteSpec> routes,
    Map<String, Sink> sinksByName,
    Map<String, LaneOptions> laneOptions,
    LaneOptions laneDefaults,
    MessageFilter filter,
    DeadLetterSink deadLetter,
    List<ForwarderListener> listeners,
    ThreadFactory threadFactory,
    Clock clock,
    Random random,
    Duration closeTimeout,
    boolean closeSinks,
    Path spoolDirectory,
    SpoolOptions spoolOptions) {

  /** One route: a filter and a sink, with an optional backup for failover. */
  public record RouteSpec(MessageFilter filter, Sink sink, Sink backup) {}
}
