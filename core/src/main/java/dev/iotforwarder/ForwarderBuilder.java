package dev.iotforwarder;

import dev.iotforwarder.internal.ForwarderConfig;
import dev.iotforwarder.internal.Pipeline;
import dev.iotforwarder.internal.shared.Problems;
import dev.iotforwarder.spi.DeadLetterSink;
import dev.iotforwarder.spi.Sink;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ThreadFactory;

/**
 * Configures a {@link Forwarder}. Every problem is reported at {@link #build()}, all at once. Not
 * thread-safe; the forwarder it builds is.
 */
public final class ForwarderBuilder {
  private final List<ForwarderConfig.RouteSpec> routes = new ArrayList<>();
  private final Map<String, LaneOptions> laneOptions = new LinkedHashMap<>();
  private final List<ForwarderListener> listeners = new ArrayList<>();
  /** What the setters found wrong; {@link #build()} reports it with what it finds itself. */
  private final Problems problems = Problems.of("Forwarder configuration");
  private MessageFilter filter = MessageFilter.all();
  private DeadLetterSink deadLetter;
  private LaneOptions laneDefaults = LaneOptions.DEFAULTS;
  private ThreadFactory threadFactory;
  private Clock clock = Clock.systemUTC();
  private Random random;
  private Duration closeTimeout = Duration.ofSeconds(30);
  private boolean closeSinks = true;
  private Path spoolDirectory;
  private SpoolOptions spoolOptions = SpoolOptions.DEFAULTS;

  ForwarderBuilder() {}

  /**
   * Sends every message (that passes the global {@link #filter}) to a sink.
   *
   * @param sink the sink
   * @return this builder
   */
  public ForwarderBuilder route(Sink sink) {
    return route(MessageFilter.all(), sink);
  }

  /**
   * Sends the messages a filter passes to a sink. When several routes take a message it goes to
   * each of their sinks (fan-out), once per sink.
   *
   * @param filter which messages take this route
   * @param sink the sink
   * @return this builder
   */
  public ForwarderBuilder route(MessageFilter filter, Sink sink) {
    problems.required("route filter", filter);
    problems.required("route sink", sink);
    if (filter != null && sink != null) {
      routes.add(new ForwarderConfig.RouteSpec(filter, sink, null));
    }
    return this;
  }

  /**
   * A failover route: the messages a filter passes go to {@code primary}, or to {@code backup} when
   * the primary fails them permanently (or exhausts its retries) or reports itself unhealthy.
   *
   * @param filter which messages take this route
   * @param primary the preferred sink
   * @param backup the sink used when the primary cannot deliver
   * @return this builder
   */
  public ForwarderBuilder failover(MessageFilter filter, Sink primary, Sink backup) {
    problems.required("failover filter", filter);
    problems.required("failover primary", primary);
    problems.required("failover backup", backup);
    if (primary != null && primary == backup) {
      problems.add("failover primary and backup are the same sink " + primary.name());
    }
    if (filter != null && primary != null && backup != null && primary != backup) {
      routes.add(new ForwarderConfig.RouteSpec(filter, primary, backup));
    }
    return this;
  }

  /**
   * A filter in front of all routes: the product's forwarding switch, for example {@code
   * MessageFilter.statusOnly()}. Messages it rejects complete as {@code FILTERED}. Default: all.
   *
   * @param filter the global filter
   * @return this builder
   */
  public ForwarderBuilder filter(MessageFilter filter) {
    this.filter = filter;
    problems.required("filter", filter);
    return this;
  }

  /**
   * Where messages go that a sink could not deliver. Default: none (the failure is reported in the
   * message's future, counted and logged).
   *
   * @param deadLetter the dead-letter sink
   * @return this builder
   */
  public ForwarderBuilder deadLetter(DeadLetterSink deadLetter) {
    problems.required("deadLetter", deadLetter);
    if (deadLetter != null) {
      this.deadLetter = deadLetter;
    }
    return this;
  }

  /**
   * Uses an ordinary sink as the dead-letter sink; see {@link DeadLetterSink#of(Sink)}.
   *
   * @param deadLetter the sink
   * @return this builder
   */
  public ForwarderBuilder deadLetter(Sink deadLetter) {
    return deadLetter(deadLetter == null ? null : DeadLetterSink.of(deadLetter));
  }

  /**
   * The lane settings of every sink that has no settings of its own. Default: {@link
   * LaneOptions#DEFAULTS}.
   *
   * @param options the settings
   * @return this builder
   */
  public ForwarderBuilder laneDefaults(LaneOptions options) {
    problems.required("laneDefaults", options);
    if (options != null) {
      this.laneDefaults = options;
    }
    return this;
  }

  /**
   * The lane settings of one sink.
   *
   * @param sinkName the sink's name
   * @param options the settings
   * @return this builder
   */
  public ForwarderBuilder lane(String sinkName, LaneOptions options) {
    problems.required("lane sinkName", sinkName);
    problems.required("lane options for " + sinkName, options);
    if (sinkName != null && options != null) {
      laneOptions.put(sinkName, options);
    }
    return this;
  }

  /**
   * Adds a listener. Listeners are called in the order added.
   *
   * @param listener the listener
   * @return this builder
   */
  public ForwarderBuilder listener(ForwarderListener listener) {
    problems.required("listener", listener);
    if (listener != null) {
      listeners.add(listener);
    }
    return this;
  }

  /**
   * The factory for the forwarder's threads. The forwarder names each thread it makes ({@code
   * iot-forwarder-<sink>-N}, {@code iot-forwarder-scheduler}). Default: daemon threads.
   *
   * @param threadFactory the factory
   * @return this builder
   */
  public ForwarderBuilder threadFactory(ThreadFactory threadFactory) {
    problems.required("threadFactory", threadFactory);
    if (threadFactory != null) {
      this.threadFactory = threadFactory;
    }
    return this;
  }

  /**
   * The clock for the retry time budget, dead-letter timestamps, the receive time {@code forward()}
   * stamps on a message that has none ({@link DeviceMessage#receivedAtMillis()}), and the spool's
   * oldest pending age. Default: the system UTC clock.
   *
   * @param clock the clock
   * @return this builder
   */
  public ForwarderBuilder clock(Clock clock) {
    problems.required("clock", clock);
    if (clock != null) {
      this.clock = clock;
    }
    return this;
  }

  /**
   * The source of backoff jitter, for repeatable tests. Default: a new {@link Random}.
   *
   * @param random the source (used under a lock)
   * @return this builder
   */
  public ForwarderBuilder random(Random random) {
    problems.required("random", random);
    if (random != null) {
      this.random = random;
    }
    return this;
  }

  /**
   * How long {@link Forwarder#close()} waits for accepted messages before failing what is left.
   * Default: 30 s. The lanes' threads get what is left of it to stop, but at least 0.5 s (all lanes
   * together); a thread still busy then, such as one a sink blocks in {@code send}, is interrupted.
   * Beyond the timeout, close waits only for the dead-letter sink to store what it failed (at most
   * 10 s), for a spool to stop (at most 5 s each to stop feeding and to close), and for the sinks'
   * own {@code close()}, which their own close timeouts bound.
   *
   * @param closeTimeout not negative
   * @return this builder
   */
  public ForwarderBuilder closeTimeout(Duration closeTimeout) {
    this.closeTimeout = closeTimeout;
    problems.notNegative("closeTimeout", closeTimeout);
    return this;
  }

  /**
   * Whether {@link Forwarder#close()} closes the sinks and the dead-letter sink given to this
   * builder. Sinks never close the clients (producers, HTTP clients) that the host passed to them.
   * Default: {@code true}.
   *
   * @param closeSinks whether the forwarder owns its sinks
   * @return this builder
   */
  public ForwarderBuilder closeSinks(boolean closeSinks) {
    this.closeSinks = closeSinks;
    return this;
  }

  /**
   * Turns on the durable spool in a directory, with {@link SpoolOptions#DEFAULTS}; see {@link
   * #spool(Path, SpoolOptions)}. Default: no spool.
   *
   * @param directory the spool's directory (created if missing), on a local disk
   * @return this builder
   */
  public ForwarderBuilder spool(Path directory) {
    return spool(directory, SpoolOptions.DEFAULTS);
  }

  /**
   * Turns on the durable spool: a write-ahead log on local disk in front of the sinks' lanes, so that
   * forwarded messages survive a crash, a restart and a queue outage longer than the lanes' memory
   * buffers. Default: no spool (messages live in memory only).
   *
   * <p>With a spool, each routed message is written to the spool before it enters the lanes; {@link
   * Forwarder#submit(DeviceMessage)} reports when that write is durable ({@link
   * Submission#accepted()}). The lanes take messages from the spool as they have room, so their
   * {@link LaneOptions#overflow(MessageType) overflow policies} no longer apply: when the sinks fall
   * behind, the backlog waits on disk, bounded by {@link SpoolOptions#maxDiskBytes()} and governed
   * by {@link SpoolOptions#fullPolicy()}. A message leaves the spool once every sink it was routed
   * to has acknowledged or dead-lettered it. When the forwarder starts, it replays what an earlier
   * run left, in each device's order and before that device's new messages. Records name their
   * sinks, so keep sink names stable across restarts.
   *
   * <p>For long outages, give the lanes a {@link RetryPolicy} that outlasts them: a lane that gives
   * up on a message dead-letters it, and a dead-lettered message leaves the spool. With a spool, a
   * message's retry time budget starts when its lane takes it from the spool.
   *
   * <p>One forwarder owns a directory at a time (a lock file, {@code spool.lock}): {@link #build()}
   * fails if another forwarder, in this process or another, holds it.
   *
   * @param directory the spool's directory (created if missing), on a local disk
   * @param options fsync policy, disk bound, full policy and segment size
   * @return this builder
   */
  public ForwarderBuilder spool(Path directory, SpoolOptions options) {
    problems.required("spool directory", directory);
    problems.required("spool options", options);
    this.spoolDirectory = directory;
    this.spoolOptions = options == null ? SpoolOptions.DEFAULTS : options;
    return this;
  }

  /**
   * Builds and starts the forwarder. With a spool, opens and locks its directory and starts
   * replaying what an earlier run left there.
   *
   * @return the forwarder, running
   * @throws IllegalArgumentException listing every configuration problem
   * @throws IllegalStateException if another forwarder holds the spool directory, or the spool was
   *     written by a newer, incompatible version of the library
   * @throws java.io.UncheckedIOException if the spool directory cannot be created, locked or read
   */
  public Forwarder build() {
    Problems all = Problems.of("Forwarder configuration");
    problems.list().forEach(all::add);
    all.check(!routes.isEmpty(), "no route: add at least one with route(sink) or route(filter, sink)");
    Map<String, Sink> byName = new LinkedHashMap<>();
    Map<Sink, Boolean> seen = new IdentityHashMap<>();
    for (ForwarderConfig.RouteSpec r : routes) {
      for (Sink s : r.backup() == null ? List.of(r.sink()) : List.of(r.sink(), r.backup())) {
        if (seen.put(s, Boolean.TRUE) != null) {
          continue;
        }
        String name = safeName(s, all);
        if (name == null) {
          continue;
        }
        if (byName.putIfAbsent(name, s) != null) {
          all.add("two different sinks are named " + name + ": sink names must be unique");
        }
      }
    }
    for (String name : laneOptions.keySet()) {
      if (!byName.containsKey(name)) {
        all.add("lane options for " + name + " but no route uses a sink of that name; sinks: "
            + byName.keySet());
      }
    }
    for (String name : byName.keySet()) {
      LaneOptions o = laneOptions.getOrDefault(name, laneDefaults);
      if (o.overflow(MessageType.STATUS) == OverflowPolicy.DROP_OLDEST && deadLetter == null) {
        all.add("lane " + name + " drops Status messages (statusOverflow DROP_OLDEST) but there is no"
            + " deadLetter sink: a Status message may never be dropped silently");
      }
    }
    all.throwIfAny();
    ForwarderConfig config = new ForwarderConfig(
        List.copyOf(routes), byName, Map.copyOf(laneOptions), laneDefaults, filter, deadLetter,
        List.copyOf(listeners), threadFactory, clock, random == null ? new Random() : random,
        closeTimeout, closeSinks, spoolDirectory, spoolOptions);
    return new Pipeline(config);
  }

  private static String safeName(Sink sink, Problems problems) {
    String name;
    try {
      name = sink.name();
    } catch (RuntimeException e) {
      problems.add("sink " + sink.getClass().getName() + " threw from name(): " + e);
      return null;
    }
    if (name == null || name.isBlank()) {
      problems.add("sink " + sink.getClass().getName() + " has a blank name");
      return null;
    }
    return name;
  }
}
