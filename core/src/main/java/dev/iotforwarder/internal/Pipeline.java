package dev.iotforwarder.internal;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.ForwardResult;
import dev.iotforwarder.Forwarder;
import dev.iotforwarder.ForwarderStats;
import dev.iotforwarder.Submission;
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

/**
 * The {@link Forwarder} implementation: filters and routes each message ({@link Routes}) to one
 * {@link Lane} per sink, directly or through the {@link Spooler}; flush, stats and close.
 *
 * <p>Invariants: built once, then its fields never change but {@code closed} (volatile) and {@code
 * closeDone} (under this object's monitor). {@code forward} and {@code submit} run on the callers'
 * threads and take no lock of their own (the lanes and the spool have theirs); {@code close} runs
 * once, on the thread that calls it first. The lanes and the spooler get an {@link EngineContext},
 * never this object.
 */
public final class Pipeline implements Forwarder {
  private static final Logger LOG = LoggerFactory.getLogger(Pipeline.class);

  private final EngineContext context;
  private final Listeners listeners;
  private final ScheduledThreadPoolExecutor scheduler;
  private final DeadLetterSink deadLetter;
  private final MessageFilter filter;
  private final Routes routes;
  private final Lane[] lanes;
  private final Map<String, Lane> lanesByName = new LinkedHashMap<>();
  private final Duration closeTimeout;
  /** The least time close() gives the lanes' threads to stop once the close timeout has run out. */
  private static final long STOP_GRACE_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
  private final boolean closeSinks;
  private final LongAdder forwarded = new LongAdder();
  private final LongAdder filtered = new LongAdder();
  /** The durable spool; null when off. */
  private final Spooler spooler;
  private volatile boolean closed;
  private boolean closeDone;

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
        listeners, config.clock(), scheduler, config.random(), config.deadLetter(),
        config.spoolDirectory() != null, config.spoolDirectory() == null ? Long.MAX_VALUE : config.spoolOptions().maxAge()
            .map(Duration::toMillis).orElse(Long.MAX_VALUE));
    for (Map.Entry<String, Sink> s : config.sinksByName().entrySet()) {
      LaneOptions options = config.laneOptions().getOrDefault(s.getKey(), config.laneDefaults());
      lanesByName.put(s.getKey(), new Lane(s.getKey(), s.getValue(), options, context, threads));
    }
    this.lanes = lanesByName.values().toArray(Lane[]::new);
    List<Routes.Route> rs = new ArrayList<>();
    for (ForwarderConfig.RouteSpec spec : config.routes()) {
      Lane lane = laneOf(spec.sink());
      Lane backup = spec.backup() == null ? null : laneOf(spec.backup());
      if (backup != null) {
        lane.gatedByHealth = false; // its backlog fails over instead (SinkHealth)
      }
      rs.add(new Routes.Route(spec.filter(), lane, backup));
    }
    this.routes = new Routes(rs, lanes);
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
    return route(message, null, true);
  }

  @Override
  public Submission submit(DeviceMessage message) {
    CompletableFuture<Void> accepted = new CompletableFuture<>();
    CompletableFuture<ForwardResult> completion = route(message, accepted, true);
    acceptedWhenDone(accepted, completion);
    return new Submission(accepted, completion);
  }

  /** Like {@code submit}, but nothing is kept for the message's completion (see the Javadoc). */
  @Override
  public CompletableFuture<Void> enqueue(DeviceMessage message) {
    CompletableFuture<Void> accepted = new CompletableFuture<>();
    acceptedWhenDone(accepted, route(message, accepted, false));
    return accepted;
  }

  /**
   * Completes {@code accepted} from a completion that ended before the lanes or the spool took the
   * message (filtered, or refused). A completion that ended with no result is an {@code enqueue}d
   * delivery the spool let go while other lanes still owe the record ({@code
   * SpoolOutcomes.arrived}): not an ending, so the spool alone completes {@code accepted} (once the
   * record is durable).
   */
  private static void acceptedWhenDone(
      CompletableFuture<Void> accepted, CompletableFuture<ForwardResult> completion) {
    if (!accepted.isDone() && completion.isDone()) {
      completion.whenComplete((r, e) -> {
        if (e != null) {
          accepted.completeExceptionally(e);
        } else if (r != null) {
          accepted.complete(null);
        }
      });
    }
  }

  /**
   * The path of one message from {@code forward} (or {@code submit}) to its lanes, in five steps:
   *
   * <ol>
   *   <li>{@link #admit}: refuse null and a closed forwarder; count it forwarded; {@link #stamped}:
   *       the receive time, if the host left it unset.
   *   <li>The global filter: a message it rejects is FILTERED, at once.
   *   <li>{@link Routes#choose}: every route's filter picks the lanes (a route whose sink is
   *       unhealthy takes its failover sink instead); a filter that throws fails that sink's part.
   *   <li>{@link Routes#countNotTaken}: every other lane counts the message, as filtered (or failed,
   *       if its route filter threw), so that each lane's stats balance.
   *   <li>Hand-off: with a spool, the spooler writes the message and feeds the lanes; without, one
   *       {@link Delivery} (the caller's future) and one {@link Entry} per target lane.
   * </ol>
   *
   * Runs on the caller's thread; it blocks only in a lane's or the spool's BLOCK overflow policy.
   *
   * @param accepted completed once the lanes (or the spool) took the message; null for {@code
   *     forward}
   * @param tracked false for {@code enqueue}: no one waits for the returned future, so the spool
   *     keeps nothing for it, and a route filter's error is reported ({@link
   *     Endings#untrackedRouteErrors}) instead of failing it
   */
  private CompletableFuture<ForwardResult> route(
      DeviceMessage received, CompletableFuture<Void> accepted, boolean tracked) {
    // 1. admit, and stamp the receive time if the host left it unset
    CompletableFuture<ForwardResult> refused = admit(received);
    if (refused != null) {
      return refused;
    }
    long startNanos = System.nanoTime();
    long nowMillis = context.clock.millis();
    DeviceMessage message = stamped(received, nowMillis);
    // 2. the global filter
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
    // 3. the routes choose the lanes
    Routes.Targets t = routes.choose(message);
    if (t.count == 0 && t.errors == null) {
      return filteredResult(message);
    }
    // 4. the lanes not taken count it
    routes.countNotTaken(t);
    List<ForwardingException> routeErrors = t.errors; // a Targets may be shared: never changed
    if (!tracked && routeErrors != null && t.count > 0) {
      Endings.untrackedRouteErrors(context, message, routeErrors);
      routeErrors = null;
    }
    // 5. hand-off: to the spool, which feeds the lanes...
    if (spooler != null) {
      return spooler.intake(
          message, t.lanes, t.backups, t.count, routeErrors, startNanos, accepted, tracked);
    }
    // ... or, without a spool, straight to the lanes: one Delivery completes the caller's future
    // once every target lane (and every route filter that threw) has reported; each target lane
    // holds its own Entry.
    int failures = routeErrors == null ? 0 : routeErrors.size();
    Delivery delivery = new Delivery(message, t.count + failures, startNanos, nowMillis);
    if (routeErrors != null) {
      routeErrors.forEach(delivery::failed);
    }
    long bytes = estimateBytes(message);
    for (int j = 0; j < t.count; j++) {
      t.lanes[j].offer(new Entry(message, delivery, bytes, t.backups[j]), true);
    }
    if (accepted != null) {
      delivery.acceptedAtIntake(accepted);
    }
    return delivery.future;
  }

  /**
   * Step 1: the message with its receive time ({@link DeviceMessage#receivedAtMillis()}): the
   * host's, or else now by the forwarder's clock, so that the filters, the spool, the sinks, the
   * listeners and the result all see the same time. A clock before the epoch stamps nothing.
   */
  static DeviceMessage stamped(DeviceMessage m, long nowMillis) {
    return m.receivedAtMillis() != 0 || nowMillis <= 0 ? m : m.withReceivedAtMillis(nowMillis);
  }

  /** Step 1: a failed future if the forwarder takes no message now, else null (and it counts). */
  private CompletableFuture<ForwardResult> admit(DeviceMessage message) {
    if (message == null) {
      throw new NullPointerException("message == null");
    }
    if (closed) {
      return CompletableFuture.failedFuture(new ForwardingException(
          "the forwarder is closed; it did not accept the " + describe(message)));
    }
    forwarded.increment();
    return null;
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

  /**
   * The bytes a held message counts against its lane's {@code maxBytes}: its envelope ({@link
   * #estimateEnvelopeBytes}) plus {@link #HEAP_BYTES}.
   */
  static long estimateBytes(DeviceMessage m) {
    return estimateEnvelopeBytes(m) + HEAP_BYTES;
  }

  /**
   * The size of the encoded envelope, estimated without encoding it: what a batch's {@code maxBytes}
   * counts. The fixed part is the envelope's field names and punctuation.
   */
  static long estimateEnvelopeBytes(DeviceMessage m) {
    return ENVELOPE_BYTES + (m.payloadLen() + 2L) / 3 * 4 + m.topic().length() + m.event().length()
        + m.deviceId().length() + m.productName().length() + m.deviceName().length();
  }

  /** The envelope's field names and punctuation, about 110 bytes. */
  static final long ENVELOPE_BYTES = 110;

  /**
   * The objects that hold a message in the heap (the message and its strings, the lane entry, the
   * delivery and its future). Measured with the benchmarks' memory scenario: a typical message (150
   * payload bytes) takes about 760 bytes of live heap in a lane, against 436 estimated with a fixed
   * part of 160, so a full lane held 1.75 times its maxBytes; with 480 in all (110 + 370) it holds
   * about its maxBytes.
   */
  static final long HEAP_BYTES = 370;

  static String describe(DeviceMessage m) {
    return m.msgType().wireName() + " message of " + m.deviceKey() + " seq " + m.seq();
  }

  @Override
  public boolean flush(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<CompletableFuture<?>> pending = new ArrayList<>();
    for (Lane lane : lanes) {
      lane.beginFlush(); // batches stop lingering
      pending.addAll(lane.pending());
    }
    try {
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
    } finally {
      for (Lane lane : lanes) {
        lane.endFlush();
      }
    }
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
    // One budget for all lanes, not 5 s each: what is left of the close timeout, at least
    // STOP_GRACE and at most 5 s; a thread still busy then (a sink blocked in send) is interrupted.
    long stopBy = System.nanoTime() + Math.min(TimeUnit.SECONDS.toNanos(5),
        Math.max(STOP_GRACE_NANOS, start + closeTimeout.toNanos() - System.nanoTime()));
    for (Lane lane : lanes) {
      lane.stopThreads(Math.max(0, stopBy - System.nanoTime()));
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
