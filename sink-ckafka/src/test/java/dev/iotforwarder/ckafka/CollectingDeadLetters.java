package dev.iotforwarder.ckafka;

import dev.iotforwarder.DeadLetter;
import dev.iotforwarder.spi.DeadLetterSink;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;

/** A dead-letter sink that keeps the letters in memory, for assertions. */
final class CollectingDeadLetters implements DeadLetterSink {
  private final ConcurrentLinkedQueue<DeadLetter> letters = new ConcurrentLinkedQueue<>();

  @Override
  public String name() {
    return "collected";
  }

  @Override
  public CompletableFuture<Void> send(DeadLetter letter) {
    letters.add(letter);
    return CompletableFuture.completedFuture(null);
  }

  List<DeadLetter> letters() {
    return new ArrayList<>(letters);
  }

  @Override
  public void close() {}
}
