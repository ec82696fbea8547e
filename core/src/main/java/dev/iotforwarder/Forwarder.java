package dev.iotforwarder;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Forwards device messages to their sinks: the one object a gateway builds and calls.
 *
 * <pre>{@code
 * try (Forwarder forwarder = Forwarder.builder()
 *     .route(MessageFilter.statusOnly(), cmqSink)
 *     .route(kafkaSink)
 *     .deadLetter(FileDeadLetterSink.open(Path.of("dead-letters.jsonl")))
 *     .build()) {
 *   forwarder.forward(message).whenComplete((result, error) -> ...);
 * }
 * }</pre>
 *
 * <p><b>Delivery.</b> {@link #forward} returns at once with a future. It completes with {@link
 * ForwardResult.Status#DELIVERED} when every sink the message was routed to has accepted it, with
 * {@link ForwardResult.Status#FILTERED} when no route took it, or exceptionally with a {@link
 * ForwardingException} that names the sink and the reason (a permanent error, retries exhausted, a
 * full buffer, or a close before delivery). Delivery is at-least-once: a retried send can duplicate
 * a message the queue had in fact accepted. Messages that fail after they were accepted go to the
 * dead-letter sink, if one is configured, before their future fails.
 *
 * <p><b>Ordering.</b> With {@link LaneOptions#ordered() ordering} on (the default), one device's
 * messages reach each sink in {@code forward()} order, across retries; different devices go in
 * parallel.
 *
 * <p><b>Threads.</b> Thread-safe: call {@code forward} from any number of threads. {@code forward}
 * blocks only as the lane's {@link OverflowPolicy} allows ({@link OverflowPolicy#BLOCK} for at most
 * {@link LaneOptions#blockTimeout()} per sink). Futures complete on the forwarder's own threads
 * (named {@code iot-forwarder-<sink>-N}), never on a sink's I/O thread; filtered and rejected messages
 * complete on the caller's thread. Run slow continuations with the {@code *Async} methods of the
 * future.
 *
 * <p><b>Durability.</b> Without a spool, messages live in memory until their sinks acknowledge them,
 * and a crash or restart loses them. With a {@link ForwarderBuilder#spool(java.nio.file.Path)
 * spool}, each message is written to a local write-ahead log before it enters the lanes, removed once
 * every routed sink acknowledged or dead-lettered it, and replayed after a crash or restart (in
 * per-device order, before newer messages of the same device). {@link #submit(DeviceMessage)}
 * reports the moment a message is safe in the spool ({@link Submission#accepted()}) as well as the
 * end of its journey; {@link #forward(DeviceMessage)} reports only the end; {@link
 * #enqueue(DeviceMessage)} reports only the first, and keeps nothing per message in memory while it
 * waits on disk (for a backlog larger than the heap). Delivery stays at-least-once: a replayed
 * message may already have reached a sink before the crash.
 */
public interface Forwarder extends AutoCloseable {

  /**
   * A builder for a forwarder.
   *
   * @return a new builder
   */
  static ForwarderBuilder builder() {
    return new ForwarderBuilder();
  }

  /**
   * Forwards one message to every sink whose route takes it.
   *
   * @param message the message
   * @return a future that completes when the message's journey ends (see the class comment); after
   *     {@link #close()} it is already failed with a {@link ForwardingException}
   * @throws NullPointerException if {@code message} is null
   */
  CompletableFuture<ForwardResult> forward(DeviceMessage message);

  /**
   * Forwards one message like {@link #forward(DeviceMessage)}, and also reports when the forwarder
   * has taken responsibility for it: with a spool, once the message is durable in it. A gateway that
   * must not lose a message acknowledges its device on {@link Submission#accepted()}:
   *
   * <pre>{@code
   * forwarder.submit(message).accepted().whenComplete((ok, error) -> {
   *   if (error == null) {
   *     mqtt.puback(packetId);   // safe on disk: survives a crash from here on
   *   }
   * });
   * }</pre>
   *
   * <p>{@code forward(m)} is {@code submit(m).completion()}. The default implementation, for
   * forwarders other than the library's, treats a message as accepted as soon as {@code forward}
   * returns without having failed it.
   *
   * @param message the message
   * @return its two stages; after {@link #close()} both are already failed
   * @throws NullPointerException if {@code message} is null
   */
  default Submission submit(DeviceMessage message) {
    CompletableFuture<ForwardResult> completion = forward(message);
    CompletableFuture<Void> accepted = new CompletableFuture<>();
    completion.whenComplete((r, e) -> {
      if (e != null) {
        accepted.completeExceptionally(e);
      }
    });
    accepted.complete(null);
    return new Submission(accepted, completion);
  }

  /**
   * Hands one message to the forwarder and reports only when it has taken responsibility for it: the
   * hand-off for a gateway that moves a backlog larger than memory. With a spool, the returned
   * future completes once the message is durable in it (as {@link Submission#accepted()} does);
   * without one, once it is in its lanes' buffers. After that the forwarder keeps nothing for the
   * message in memory while it waits on disk: no future, no object per message, only what its lanes
   * hold (a bounded window). {@link #forward} and {@link #submit} keep a completion future per
   * message until its journey ends, about 100 bytes of heap for each message waiting in the spool.
   *
   * <p>The end of an enqueued message's journey is not reported to the caller but is never silent:
   * it shows in {@link #stats()} (each sink's delivered, failed and dropped counts, the spool's
   * pending count), in the {@link ForwarderListener listeners} (delivered, failed, dropped,
   * dead-lettered) and, for a message that cannot be delivered, in the dead-letter sink, exactly as
   * for a forwarded one. A route filter that throws for one sink while others take the message is
   * reported as that sink's failure (listeners, dead-letter sink) instead of failing the future.
   * {@link #flush} waits for enqueued messages too.
   *
   * <pre>{@code
   * forwarder.enqueue(message).whenComplete((ok, error) -> {
   *   if (error == null) {
   *     mqtt.puback(packetId);   // durable in the spool; the forwarder takes it from here
   *   }
   * });
   * }</pre>
   *
   * <p>The default implementation, for forwarders other than the library's, returns {@code
   * submit(message).accepted()}.
   *
   * @param message the message
   * @return completes when the forwarder has taken the message, or fails as {@link
   *     Submission#accepted()} does (no room: a {@link BufferFullException}; closed, or the spool
   *     could not write it: a {@link ForwardingException}); completes at once for a message that no
   *     route takes. It never stays pending once the forwarder is closed.
   * @throws NullPointerException if {@code message} is null
   */
  default CompletableFuture<Void> enqueue(DeviceMessage message) {
    return submit(message).accepted();
  }

  /**
   * Waits until every message accepted before this call has completed its journey (delivered,
   * failed or dead-lettered), asking each sink to push out what it buffers. With a spool, this
   * includes the messages waiting in it, those replayed from an earlier run among them.
   *
   * @param timeout how long to wait at most
   * @return {@code true} if everything completed in time
   */
  boolean flush(Duration timeout);

  /**
   * A snapshot of the counters; each sink's counters are consistent and balance.
   *
   * @return the stats
   */
  ForwarderStats stats();

  /**
   * Stops intake (later {@code forward} calls fail), waits up to the close timeout for what was
   * accepted, then fails whatever is left with a {@link ForwardingException} (and sends it to the
   * dead-letter sink), stops the forwarder's threads and closes the sinks it was given (unless told
   * not to). Never leaves a future pending. Idempotent.
   *
   * <p>With a spool, what is left is not dead-lettered: it stays in the spool, its futures fail
   * with a {@link ForwardingException} that says so, and the next forwarder on the same directory
   * sends it. Close then syncs the spool, records which messages are done, and releases the spool
   * directory's lock.
   */
  @Override
  void close();
}
