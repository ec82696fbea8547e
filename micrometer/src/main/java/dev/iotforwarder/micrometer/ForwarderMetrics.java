package dev.iotforwarder.micrometer;

import dev.iotforwarder.Forwarder;
import dev.iotforwarder.ForwarderStats;
import dev.iotforwarder.SinkStats;
import dev.iotforwarder.SpoolStats;
import dev.iotforwarder.internal.shared.Problems;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.ToLongFunction;

/**
 * Binds a forwarder's counters and gauges to Micrometer registries: per sink, forwarder-wide and,
 * with a spool, the spool's. All meters of one binder read one {@link Forwarder#stats()} snapshot,
 * taken again when it is older than {@link Builder#snapshotTtl(Duration)}, so that one scrape shows
 * one consistent snapshot. Reading costs nothing on the {@code forward()} path: the meters are
 * evaluated only when a registry reads them.
 *
 * <pre>{@code
 * DeliveryTimer timer = DeliveryTimer.create();          // optional: forward-to-ack latency
 * Forwarder forwarder = Forwarder.builder().route(sink).listener(timer).build();
 * ForwarderMetrics metrics = ForwarderMetrics.builder(forwarder).deliveryTimer(timer).build();
 * metrics.bindTo(registry);
 * ...
 * metrics.close();                                       // removes the meters
 * }</pre>
 *
 * <p>Every meter carries the tag {@code forwarder} ({@link Builder#name(String)}) plus the extra
 * tags given; per-sink meters add {@code sink}. Each meter name has one set of tag keys. Meters hold
 * the forwarder weakly, as Micrometer's function meters do: keep the forwarder referenced while it
 * is bound. Thread-safe.
 */
public final class ForwarderMetrics implements MeterBinder, AutoCloseable {
  private final Forwarder forwarder;
  private final String name;
  private final Tags tags;
  private final StatsSnapshot snapshot;
  private final DeliveryTimer timer;
  private final List<Bound> bound = new ArrayList<>();

  private ForwarderMetrics(Builder b) {
    this.forwarder = b.forwarder;
    this.name = b.name;
    this.tags = Tags.of(b.tags).and("forwarder", b.name);
    this.snapshot = new StatsSnapshot(b.forwarder, b.snapshotTtl.toNanos(), b.nanoTime);
    this.timer = b.timer;
  }

  /**
   * A builder for the meters of one forwarder.
   *
   * @param forwarder the forwarder
   * @return a new builder
   */
  public static Builder builder(Forwarder forwarder) {
    return new Builder(forwarder);
  }

  /**
   * The meters of a forwarder with the defaults: tag {@code forwarder=default}, no timer.
   *
   * @param forwarder the forwarder
   * @return the binder
   */
  public static ForwarderMetrics of(Forwarder forwarder) {
    return builder(forwarder).build();
  }

  /**
   * Registers the meters; see the README for their names and meaning. Binding twice to one registry
   * registers nothing new (Micrometer returns the existing meters).
   *
   * @param registry the registry
   */
  @Override
  public void bindTo(MeterRegistry registry) {
    Objects.requireNonNull(registry, "registry == null");
    List<Meter> meters = new ArrayList<>();
    ForwarderStats first = forwarder.stats(); // not cached: the first scrape must see what follows
    forwarderMeters(registry, meters);
    for (String sink : first.sinks().keySet()) {
      sinkMeters(registry, meters, sink);
    }
    if (first.spool().enabled()) {
      spoolMeters(registry, meters);
    }
    if (timer != null) {
      timer.bind(registry, tags, first.sinks().keySet());
    }
    synchronized (bound) {
      bound.add(new Bound(registry, meters));
    }
  }

  /** Removes every meter this binder registered, from every registry it was bound to. Idempotent. */
  @Override
  public void close() {
    List<Bound> all;
    synchronized (bound) {
      all = new ArrayList<>(bound);
      bound.clear();
    }
    for (Bound b : all) {
      b.meters.forEach(b.registry::remove);
      if (timer != null) {
        timer.unbind(b.registry);
      }
    }
  }

  @Override
  public String toString() {
    return "ForwarderMetrics[" + name + "]";
  }

  private void forwarderMeters(MeterRegistry r, List<Meter> out) {
    counter(r, out, "iot.forwarder.forwarded", tags, "forward() calls accepted",
        BaseUnits.MESSAGES, s -> s.forwarded());
    counter(r, out, "iot.forwarder.filtered", tags, "messages no route took",
        BaseUnits.MESSAGES, s -> s.filtered());
    counter(r, out, "iot.forwarder.listener.errors", tags,
        "exceptions thrown by forwarder listeners (logged and ignored)", null,
        s -> s.listenerErrors());
  }

  private void sinkMeters(MeterRegistry r, List<Meter> out, String sink) {
    Tags t = tags.and("sink", sink);
    String p = "iot.forwarder.sink.";
    sinkCounter(r, out, p + "received", t, "messages offered to the sink's routes", sink,
        SinkStats::received);
    sinkCounter(r, out, p + "filtered", t, "messages no route to the sink took", sink,
        SinkStats::filtered);
    sinkCounter(r, out, p + "succeeded", t, "messages the sink accepted", sink,
        SinkStats::succeeded);
    sinkCounter(r, out, p + "failed", t,
        "messages that ended without delivery (includes rejected)", sink, SinkStats::failed);
    sinkCounter(r, out, p + "dropped", t, "messages dropped by the DROP_OLDEST overflow policy",
        sink, SinkStats::dropped);
    sinkCounter(r, out, p + "rejected", t, "messages refused by a full buffer", sink,
        SinkStats::rejected);
    sinkCounter(r, out, p + "retried", t, "retries started", sink, SinkStats::retries);
    sinkCounter(r, out, p + "timed.out", t, "sends that did not complete within the send timeout",
        sink, SinkStats::timeouts);
    sinkCounter(r, out, p + "dead.lettered", t, "messages stored in the dead-letter sink", sink,
        SinkStats::deadLettered);
    sinkCounter(r, out, p + "dead.letter.failed", t,
        "messages the dead-letter sink failed to store", sink, SinkStats::deadLetterFailures);
    gauge(r, out, p + "queued", t, "messages waiting in the sink's buffer", BaseUnits.MESSAGES,
        s -> s.sink(sink).queued());
    gauge(r, out, p + "inflight", t, "messages being sent or waiting for a retry",
        BaseUnits.MESSAGES, s -> s.sink(sink).inflight());
    gauge(r, out, p + "held", t, "estimated envelope bytes held (queued and in flight)",
        BaseUnits.BYTES, s -> s.sink(sink).queuedBytes());
  }

  private void spoolMeters(MeterRegistry r, List<Meter> out) {
    String p = "iot.forwarder.spool.";
    counter(r, out, p + "recovered", tags, "messages an earlier run left in the spool",
        BaseUnits.MESSAGES, s -> s.spool().recovered());
    counter(r, out, p + "spooled", tags, "messages written to the spool", BaseUnits.MESSAGES,
        s -> s.spool().spooled());
    counter(r, out, p + "completed", tags,
        "messages every routed sink acknowledged or dead-lettered", BaseUnits.MESSAGES,
        s -> s.spool().completed());
    counter(r, out, p + "dropped", tags, "messages the full policy dropped", BaseUnits.MESSAGES,
        s -> s.spool().dropped());
    counter(r, out, p + "rejected", tags, "messages refused because the spool was full",
        BaseUnits.MESSAGES, s -> s.spool().rejected());
    counter(r, out, p + "replayed", tags, "recovered messages handed to a lane again",
        BaseUnits.MESSAGES, s -> s.spool().replayed());
    gauge(r, out, p + "pending", tags, "messages in the spool now", BaseUnits.MESSAGES,
        s -> s.spool().pending());
    gauge(r, out, p + "disk", tags, "bytes the spool's segment files take", BaseUnits.BYTES,
        s -> s.spool().diskBytes());
    gauge(r, out, p + "segments", tags, "spool segment files", BaseUnits.FILES,
        s -> s.spool().segments());
    StatsSnapshot snap = snapshot;
    // A time gauge: the registry's base time unit (seconds for Prometheus, _seconds suffix).
    out.add(TimeGauge.builder(p + "oldest.pending.age", forwarder, TimeUnit.MILLISECONDS,
            f -> snap.get().spool().oldestPendingAgeMillis())
        .tags(tags)
        .description("how long ago the oldest message still in the spool was received")
        .register(r));
  }

  private void sinkCounter(MeterRegistry r, List<Meter> out, String meter, Tags t,
      String description, String sink, ToLongFunction<SinkStats> value) {
    counter(r, out, meter, t, description, BaseUnits.MESSAGES,
        s -> value.applyAsLong(s.sink(sink)));
  }

  private void counter(MeterRegistry r, List<Meter> out, String meter, Tags t, String description,
      String unit, ToLongFunction<ForwarderStats> value) {
    StatsSnapshot snap = snapshot;
    // The forwarder is the weakly held object; the function holds the snapshot strongly.
    out.add(FunctionCounter.builder(meter, forwarder, f -> value.applyAsLong(snap.get()))
        .tags(t).description(description).baseUnit(unit).register(r));
  }

  private void gauge(MeterRegistry r, List<Meter> out, String meter, Tags t, String description,
      String unit, ToLongFunction<ForwarderStats> value) {
    StatsSnapshot snap = snapshot;
    out.add(Gauge.builder(meter, forwarder, f -> value.applyAsLong(snap.get()))
        .tags(t).description(description).baseUnit(unit).register(r));
  }

  private record Bound(MeterRegistry registry, List<Meter> meters) {}

  /** Configures a {@link ForwarderMetrics}. Every problem is reported at {@link #build()}. */
  public static final class Builder {
    private final Forwarder forwarder;
    private final Problems problems = Problems.of("ForwarderMetrics configuration");
    private String name = "default";
    private Iterable<Tag> tags = Tags.empty();
    private Duration snapshotTtl = Duration.ofSeconds(1);
    private DeliveryTimer timer;
    private LongSupplier nanoTime = System::nanoTime;

    private Builder(Forwarder forwarder) {
      this.forwarder = forwarder;
      problems.required("forwarder", forwarder);
    }

    /**
     * The value of the {@code forwarder} tag on every meter, to tell forwarders apart in one
     * registry. Default: {@code default}.
     *
     * @param name not blank
     * @return this builder
     */
    public Builder name(String name) {
      this.name = name;
      problems.check(name != null && !name.isBlank(), "name was " + name + " but must not be blank");
      return this;
    }

    /**
     * Extra tags on every meter (for example the gateway's region). Their keys must not be {@code
     * forwarder}, {@code sink} or {@code type}.
     *
     * @param tags the tags
     * @return this builder
     */
    public Builder tags(Iterable<Tag> tags) {
      problems.required("tags", tags);
      if (tags != null) {
        for (Tag t : tags) {
          problems.check(!List.of("forwarder", "sink", "type").contains(t.getKey()),
              "tags had the key " + t.getKey() + " but must not use forwarder, sink or type");
        }
        this.tags = tags;
      }
      return this;
    }

    /**
     * How long one stats snapshot serves the meters' reads. It must cover one scrape of all the
     * meters, and be shorter than the scrape interval. Default: 1 s.
     *
     * @param ttl positive
     * @return this builder
     */
    public Builder snapshotTtl(Duration ttl) {
      problems.positive("snapshotTtl", ttl);
      if (ttl != null) {
        this.snapshotTtl = ttl;
      }
      return this;
    }

    /**
     * The delivery timer that was given to the forwarder's builder as a listener; this binder
     * registers its meters with its own. Default: none (no timer).
     *
     * @param timer the timer
     * @return this builder
     */
    public Builder deliveryTimer(DeliveryTimer timer) {
      problems.required("deliveryTimer", timer);
      this.timer = timer;
      return this;
    }

    /** For tests: the source of {@link System#nanoTime()}. */
    Builder nanoTime(LongSupplier nanoTime) {
      this.nanoTime = nanoTime;
      return this;
    }

    /**
     * Builds the binder; it registers nothing until {@link ForwarderMetrics#bindTo}.
     *
     * @return the binder
     * @throws IllegalArgumentException listing every problem
     */
    public ForwarderMetrics build() {
      problems.throwIfAny();
      return new ForwarderMetrics(this);
    }
  }
}
