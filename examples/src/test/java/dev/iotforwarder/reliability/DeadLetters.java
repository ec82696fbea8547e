package dev.iotforwarder.reliability;

import dev.iotforwarder.DeadLetter;
import dev.iotforwarder.reliability.logging.LogCapture;
import dev.iotforwarder.spi.DeadLetterSink;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;

/** A dead-letter sink that keeps every letter (and checks each reason for secrets). */
final class DeadLetters implements DeadLetterSink {
  private final ConcurrentLinkedQueue<DeadLetter> letters = new ConcurrentLinkedQueue<>();
  private volatile boolean closed;

  @Override
  public String name() {
    return "collecting-dlq";
  }

  @Override
  public CompletableFuture<Void> send(DeadLetter letter) {
    LogCapture.scan("dead-letter reason", letter.reason());
    letters.add(letter);
    return CompletableFuture.completedFuture(null);
  }

  List<DeadLetter> letters() {
    return List.copyOf(letters);
  }

  int count() {
    return letters.size();
  }

  boolean isClosed() {
    return closed;
  }

  @Override
  public void close() {
    closed = true;
  }
}
