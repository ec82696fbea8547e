package dev.iotforwarder.spi;

import dev.iotforwarder.DeadLetter;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * Where the forwarder parks messages that could not be delivered: a permanent failure, retries
 * exhausted, a message dropped by {@link dev.iotforwarder.OverflowPolicy#DROP_OLDEST}, or a message
 * still pending when the forwarder closed. It receives the original message, the failure, the sink
 * name and the attempt count.
 *
 * <p>Any {@link Sink} can serve through {@link #of(Sink)} (it gets the message only);
 * {@link dev.iotforwarder.FileDeadLetterSink} keeps everything as JSON lines. Must be thread-safe. A
 * failure of the dead-letter sink is reported in the message's future and counted in the stats; it is
 * never swallowed.
 */
public interface DeadLetterSink extends AutoCloseable {

  /**
   * A short name for logs and errors.
   *
   * @return the name
   */
  String name();

  /**
   * Parks one message.
   *
   * @param letter the message and why it failed
   * @return a future that completes when the letter is stored
   */
  CompletableFuture<Void> send(DeadLetter letter);

  /** Releases what the sink created. */
  @Override
  void close();

  /**
   * Uses an ordinary sink as a dead-letter sink: it receives the original message; the reason is
   * not passed on (log it from a {@link dev.iotforwarder.ForwarderListener} if needed).
   *
   * @param sink the sink
   * @return a dead-letter sink that sends to it
   */
  static DeadLetterSink of(Sink sink) {
    Objects.requireNonNull(sink, "sink == null");
    return new DeadLetterSink() {
      @Override
      public String name() {
        return sink.name();
      }

      @Override
      public CompletableFuture<Void> send(DeadLetter letter) {
        return sink.send(letter.message());
      }

      @Override
      public void close() {
        sink.close();
      }

      @Override
      public String toString() {
        return "DeadLetterSink.of(" + sink.name() + ")";
      }
    };
  }
}
