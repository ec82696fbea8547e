package com.example;

import dev.iotforwarder.FileDeadLetterSink;
import dev.iotforwarder.Forwarder;
import dev.iotforwarder.MessageFilter;
import dev.iotforwarder.spi.Sink;
import java.nio.file.Path;

/** Routing by message type and by topic, with fan-out: the README's gateway routing example. */
public final class RoutingExample {
  private RoutingExample() {}

  /**
   * The forwarder of a gateway that sends Status messages (Online/Offline) to one sink, alarms to
   * another, and everything to a third.
   */
  static Forwarder forwarder(Sink statusQueue, Sink alarmTopic, Sink kafka, Path deadLetters) {
    return Forwarder.builder()
        .route(MessageFilter.statusOnly(), statusQueue)        // Status messages only
        .route(MessageFilter.topic("+/+/alarm/#"), alarmTopic) // Publish messages on alarm topics
        .route(kafka)                                          // every message as well (fan-out)
        .deadLetter(FileDeadLetterSink.open(deadLetters))      // what no sink could take, one JSON line each
        .build();                                              // a message no route takes completes FILTERED
  }
}
