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
 * end of its journey; {@link #forward(DeviceMessage)} reports only the end. Delivery stays
 * at-least-once: a replayed message may already have reached a sink before the crash.
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
