package dev.iotforwarder.internal;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.ForwardResult;
import dev.iotforwarder.Forwarder;
import dev.iotforwarder.ForwarderStats;
import dev.iotforwarder.Forwarding;
import dev.iotforwarder.ForwardingException;
import dev.iotforwarder.LaneOptions;
import dev.iotforwarder.MessageFilter;
import dev.iotforwarder.SinkStats;
import dev.iotforwarder.SpoolStats;
import dev.iotforwarder.spi.DeadLetterSink;
import dev.iotforwarder.spi.Sink;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The {@link Forwarder} implementation: filters, routes, and one {@link Lane} per sink. */
public final class Pipeline implements Forwarder {
  private static final Logger LOG = LoggerFactory.getLogger(Pipeline.class);

  private final EngineContext context;
  private final Listeners listeners;
  private final ScheduledThreadPoolExecutor scheduler;
  private final DeadLetterSink deadLetter;
  private final MessageFilter filter;
  private final Route[] routes;
  private final Lane[] lanes;
  private final Map<String, Lane> lanesByName = new LinkedHashMap<>();
  private final Duration closeTimeout;
  private final boolean closeSinks;
  private final LongAdder forwarded = new LongAdder();
  private final LongAdder filtered = new LongAdder();
  /** The durable spool; null when off. */
  private final Spooler spooler;
  private volatile boolean closed;
  private boolean closeDone;

  private record Route(MessageFilter filter, Lane lane, Lane backup) {}

  public Pipeline(ForwarderConfig config) {
    this.spooler = config.spoolDirectory() == null ? null : Spooler.open(
        config.spoolDirectory(), config.spoolOptions(), config.sinksByName().keySet());
    boolean built = false;
    try {
    this.listeners = new Listeners(config.listeners());
    this.deadLetter = config.deadLetter();
    this.filter = config.filter();
    this.closeTimeout = config.closeTimeout();
    this.closeSinks = config.closeSinks();
    NamedThreadFactory threads = new NamedThreadFactory(config.threadFactory());
    this.scheduler = new ScheduledThreadPoolExecutor(
        1, r -> threads.newThread("iot-forwarder-scheduler", r));
    scheduler.setRemoveOnCancelPolicy(true);
    scheduler.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    this.context = new EngineContext(
        listeners, config.clock(), scheduler, config.random(), config.deadLetter());
    for (Map.Entry<String, Sink> s : config.sinksByName().entrySet()) {
      LaneOptions options = config.laneOptions().getOrDefault(s.getKey(), config.laneDefaults());
      lanesByName.put(s.getKey(), new Lane(s.getKey(), s.getValue(), options, context, threads));
    }
    this.lanes = lanesByName.values().toArray(Lane[]::new);
    List<Route> rs = new ArrayList<>();
    for (ForwarderConfig.RouteSpec spec : config.routes()) {
      Lane lane = laneOf(spec.sink());
      Lane backup = spec.backup() == null ? null : laneOf(spec.backup());
      rs.add(new Route(spec.filter(), lane, backup));
    }
    this.routes = rs.toArray(Route[]::new);
    long minTimeout = lanesByName.values().stream()
        .mapToLong(l -> l.options.sendTimeout().toMillis()).min().orElse(1000);
    long period = Math.max(10, Math.min(500, minTimeout / 4));
    scheduler.scheduleWithFixedDelay(this::expireSends, period, period, TimeUnit.MILLISECONDS);
    for (Lane lane : lanes) {
      lane.start();
    }
    if (spooler != null) {
      spooler.start(context, lanes, lanesByName, threads);
    }
      built = true;
    } finally {
      if (!built && spooler != null) {
        spooler.abandon(); // release the directory lock, or the next build() would be refused
      }
    }
  }

  private Lane laneOf(Sink sink) {
    for (Lane lane : lanesByName.values()) {
      if (lane.sink == sink) {
        return lane;
      }
    }
    throw new IllegalStateException("no lane for sink " + sink.name());
  }

  private void expireSends() {
    long now = System.nanoTime();
    for (Lane lane : lanes) {
      try {
        lane.expireSends(now);
      } catch (RuntimeException e) {
        LOG.error("Send timeout check of lane {} failed", lane.name, e);
      }
    }
  }

  @Override
  public CompletableFuture<ForwardResult> forward(DeviceMessage message) {
    return route(message, null);
  }

  @Override
  public Forwarding submit(DeviceMessage message) {
    CompletableFuture<Void> accepted = new CompletableFuture<>();
    CompletableFuture<ForwardResult> completion = route(message, accepted);
    if (!accepted.isDone() && completion.isDone()) { // filtered, or refused before any lane
      completion.whenComplete((r, e) -> {
        if (e != null) {
          accepted.completeExceptionally(e);
        } else {
          accepted.complete(null);
        }
      });
    }
    return new Forwarding(accepted, completion);
  }

  /** Filters, routes and hands the message on; completes {@code accepted}, if given, once taken. */
  private CompletableFuture<ForwardResult> route(
      DeviceMessage message, CompletableFuture<Void> accepted) {
    if (message == null) {
      throw new NullPointerException("message == null");
    }
    if (closed) {
      return CompletableFuture.failedFuture(new ForwardingException(
          "the forwarder is closed; it did not accept the " + describe(message)));
    }
    forwarded.increment();
    long startNanos = System.nanoTime();
    boolean pass;
    try {
      pass = filter.test(message);
    } catch (RuntimeException e) {
      for (Lane lane : lanes) {
        lane.countFailedOffer();
      }
      return CompletableFuture.failedFuture(new ForwardingException(
          "the forwarder's global filter threw " + e + " for the " + describe(message), e));
    }
    if (!pass) {
      return filteredResult(message);
    }
    Lane[] targets = null;
    Lane[] backups = null;
    int count = 0;
    List<ForwardingException> errors = null;
    boolean[] errored = null;
    for (Route r : routes) {
      boolean take;
      try {
        take = r.filter.test(message);
      } catch (RuntimeException e) {
        if (errors == null) {
          errors = new ArrayList<>(1);
          errored = new boolean[lanes.length];
        }
        int i = indexOf(r.lane);
        if (!errored[i]) {
          errored[i] = true;
          errors.add(new ForwardingException("the filter of the route to sink " + r.lane.name
              + " threw " + e + " for the " + describe(message), r.lane.name, e));
        }
        continue;
      }
      if (!take) {
        continue;
      }
      Lane target = r.lane;
      Lane backup = r.backup;
      if (backup != null && !healthy(target)) {
        target = backup;
        backup = null;
      }
      if (targets == null) {
        targets = new Lane[lanes.length];
        backups = new Lane[lanes.length];
      }
      boolean dup = false;
      for (int i = 0; i < count; i++) {
        if (targets[i] == target) {
          dup = true;
          break;
        }
      }
      if (!dup) {
        targets[count] = target;
        backups[count] = backup;
        count++;
      }
    }
    int failures = errors == null ? 0 : errors.size();
    if (count == 0 && failures == 0) {
      return filteredResult(message);
    }
    for (int i = 0; i < lanes.length; i++) {
      Lane lane = lanes[i];
      if (errored != null && errored[i]) {
        lane.countFailedOffer();
        continue;
      }
      boolean targeted = false;
      for (int j = 0; j < count; j++) {
        if (targets[j] == lane) {
          targeted = true;
          break;
        }
      }
      if (!targeted) {
        lane.countFiltered();
      }
    }
    if (spooler != null) {
      return spooler.intake(message, targets, backups, count, errors, startNanos, accepted);
    }
    Delivery delivery = new Delivery(message, count + failures, startNanos, context.clock.millis());
    if (errors != null) {
      errors.forEach(delivery::failed);
    }
    long bytes = estimateBytes(message);
    for (int j = 0; j < count; j++) {
      targets[j].offer(new Entry(message, delivery, bytes, backups[j]), true);
    }
    if (accepted != null) {
      delivery.acceptedAtIntake(accepted);
    }
    return delivery.future;
  }

  private CompletableFuture<ForwardResult> filteredResult(DeviceMessage message) {
    for (Lane lane : lanes) {
      lane.countFiltered();
    }
    filtered.increment();
    listeners.filtered(message);
    return CompletableFuture.completedFuture(
        new ForwardResult(message, ForwardResult.Status.FILTERED, List.of()));
  }

  private int indexOf(Lane lane) {
    for (int i = 0; i < lanes.length; i++) {
      if (lanes[i] == lane) {
        return i;
      }
    }
    return -1;
  }

  private static boolean healthy(Lane lane) {
    try {
      return lane.sink.isHealthy();
    } catch (RuntimeException e) {
      LOG.warn("Sink {} threw from isHealthy(); treating it as unhealthy", lane.name, e);
      return false;
    }
  }

  /** The size of the encoded envelope, estimated without encoding it. */
  static long estimateBytes(DeviceMessage m) {
    return PER_MESSAGE_BYTES + (m.payloadLen() + 2L) / 3 * 4 + m.topic().length() + m.event().length()
        + m.deviceId().length() + m.productName().length() + m.deviceName().length();
  }

  /**
   * The fixed part of a held message's estimated size: the envelope's field names and punctuation
   * (about 110 bytes) and the objects that hold a message in the heap (the message and its strings,
   * the lane entry, the delivery and its future: about 320 bytes). Measured with the benchmarks'
   * memory scenario: a typical message (150 payload bytes) takes about 760 bytes of live heap in a
   * lane, against 436 estimated with a fixed part of 160, so a full lane held 1.75 times its maxBytes.
   */
  static final long PER_MESSAGE_BYTES = 480;

  static String describe(DeviceMessage m) {
    return m.msgType().wireName() + " message of " + m.deviceKey() + " seq " + m.seq();
  }

  @Override
  public boolean flush(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<CompletableFuture<?>> pending = new ArrayList<>();
    for (Lane lane : lanes) {
      pending.addAll(lane.pending());
    }
    for (Lane lane : lanes) {
      try {
        CompletableFuture<Void> f = lane.sink.flush();
        if (f != null) {
          pending.add(f);
        }
      } catch (RuntimeException e) {
        LOG.warn("Sink {} threw from flush()", lane.name, e);
      }
    }
    return awaitAll(pending, deadline) && (spooler == null || spooler.awaitDone(deadline));
  }

  private static boolean awaitAll(List<CompletableFuture<?>> futures, long deadlineNanos) {
    for (CompletableFuture<?> f : futures) {
      long left = deadlineNanos - System.nanoTime();
      try {
        f.get(Math.max(0, left), TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        return false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      } catch (Exception completedExceptionally) {
        // done, and that is all flush waits for
      }
    }
    return true;
  }

  @Override
  public ForwarderStats stats() {
    Map<String, SinkStats> sinks = new LinkedHashMap<>();
    for (Lane lane : lanes) {
      sinks.put(lane.name, lane.stats());
    }
    return new ForwarderStats(forwarded.sum(), filtered.sum(), listeners.errors(), sinks,
        spooler == null ? SpoolStats.DISABLED : spooler.stats());
  }

  @Override
  public void close() {
    synchronized (this) {
      if (closeDone) {
        return;
      }
      closed = true;
      closeDone = true;
    }
    long start = System.nanoTime();
    boolean drained = flush(closeTimeout);
    if (!drained) {
      LOG.warn("Forwarder close: messages still pending after {}; failing them", closeTimeout);
    }
    if (spooler != null) {
      spooler.stopFeeding(TimeUnit.SECONDS.toNanos(5)); // what is on disk stays there
    }
    for (Lane lane : lanes) {
      lane.markClosing();
    }
    List<CompletableFuture<?>> aborted = new ArrayList<>();
    for (Lane lane : lanes) {
      aborted.addAll(lane.abortAll());
    }
    if (!aborted.isEmpty()) {
      LOG.warn("Forwarder close: {} messages were not delivered and were failed", aborted.size());
      awaitAll(aborted, System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
    }
    scheduler.shutdownNow();
    for (Lane lane : lanes) {
      lane.stopThreads(TimeUnit.SECONDS.toNanos(5));
    }
    if (spooler != null) {
      spooler.close(TimeUnit.SECONDS.toNanos(5));
    }
    if (closeSinks) {
      for (Lane lane : lanes) {
        try {
          lane.sink.close();
        } catch (RuntimeException e) {
          LOG.warn("Sink {} threw from close()", lane.name, e);
        }
      }
      if (deadLetter != null) {
        try {
          deadLetter.close();
        } catch (RuntimeException e) {
          LOG.warn("Dead-letter sink {} threw from close()", deadLetter.name(), e);
        }
      }
    }
    LOG.debug("Forwarder closed in {} ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
  }

  @Override
  public String toString() {
    return "Forwarder[sinks=" + lanesByName.keySet() + ", deadLetter=" + context.deadLetterName() + "]";
  }
}
