package dev.iotforwarder.spi;

import dev.iotforwarder.DeviceMessage;
import java.util.concurrent.CompletableFuture;

/**
 * A destination for device messages: a CMQ queue, a Kafka topic, or anything a host writes itself.
 *
 * <p>The contract, which the pipeline relies on and polices:
 *
 * <ul>
 *   <li>{@link #send(DeviceMessage)} returns at once (it must not block on I/O) with a future that
 *       completes normally when the destination has durably accepted the message, or exceptionally
 *       with a {@link dev.iotforwarder.RetriableForwardingException} (trying again may help) or a
 *       {@link dev.iotforwarder.PermanentForwardingException} (it cannot). Any other exception is
 *       treated as retriable. A sink that throws from {@code send}, returns {@code null} or never
 *       completes the future gets an error naming it, and the message is retried or dead-lettered.
 *   <li>The future may complete on any thread, including the sink's own I/O thread: the pipeline
 *       moves on to its own threads before running anything else.
 *   <li>Implementations must be thread-safe: the pipeline calls {@code send} from several threads.
 *   <li>Delivery is at-least-once: a send that failed may still have reached the destination.
 * </ul>
 *
 * <p>A minimal sink is a class with {@link #name()}, {@link #send(DeviceMessage)} and {@link
 * #close()}; the other methods have defaults.
 */
public interface Sink extends AutoCloseable {

  /**
   * The sink's name: used in thread names, stats, logs and errors. Unique within one forwarder.
   *
   * @return a short name such as {@code "cmq-alarms"}
   */
  String name();

  /**
   * Sends one message.
   *
   * @param message the message
   * @return a future that completes when the destination has the message
   */
  CompletableFuture<Void> send(DeviceMessage message);

  /**
   * Pushes out whatever the sink buffers internally (a linger timer, a producer batch) and completes
   * when every send started before this call has completed. Default: completes at once.
   *
   * @return a future that completes when buffered sends are done
   */
  default CompletableFuture<Void> flush() {
    return CompletableFuture.completedFuture(null);
  }

  /**
   * Whether the sink retries retriable failures by itself (as the Kafka producer does, within its
   * delivery timeout), so the pipeline must not add a second retry layer. Default: {@code false}.
   *
   * @return {@code true} if a failed future is final
   */
  default boolean retriesInternally() {
    return false;
  }

  /**
   * Whether messages of one device that are sent in order reach the destination in that order even
   * with several in flight and across the sink's own retries (as an idempotent Kafka producer keyed
   * by device guarantees). When {@code true}, the pipeline sends a device's next message without
   * waiting for the previous one to complete. Default: {@code false}, and the pipeline keeps at most
   * one message per device in flight.
   *
   * @return {@code true} if the sink keeps per-device order by itself
   */
  default boolean preservesOrder() {
    return false;
  }

  /**
   * Whether the sink currently considers itself able to deliver. A failover route sends to its
   * backup while the primary is unhealthy. Default: {@code true}.
   *
   * @return {@code false} to divert traffic away from this sink
   */
  default boolean isHealthy() {
    return true;
  }

  /**
   * Releases what the sink created (clients, threads, files); never what the host passed in. Sends
   * still pending when the sink closes complete exceptionally. Must not throw checked exceptions.
   */
  @Override
  void close();
}
