package dev.iotforwarder.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.FileDeadLetterSink;
import dev.iotforwarder.Forwarder;
import dev.iotforwarder.LaneOptions;
import dev.iotforwarder.RetryPolicy;
import dev.iotforwarder.Submission;
import dev.iotforwarder.testing.FlakySink;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Spool directories and dead-letter files made by the library itself, for the tool to read. */
final class Spools {
  private Spools() {}

  /** {@code n} Publish messages of three devices, in order. */
  static List<DeviceMessage> messages(int n) {
    List<DeviceMessage> list = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String device = "dev-" + (i % 3);
      list.add(DeviceMessage.publish("prod", device, "id-" + device, "prod/" + device + "/up", i,
          ("{\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8)));
    }
    return list;
  }

  /**
   * A forwarder with a spool on {@code dir} and one paused sink named {@code "kafka"}: every message
   * submitted stays pending. The caller closes it (the messages then stay in the spool).
   */
  static Forwarder pausedForwarder(Path dir, FlakySink sink) {
    sink.pause();
    return Forwarder.builder().route(sink).spool(dir).closeTimeout(Duration.ofMillis(200)).build();
  }

  /** Submits the messages and waits until each one is in the spool. */
  static void submitAll(Forwarder forwarder, List<DeviceMessage> messages) throws Exception {
    List<Submission> subs = new ArrayList<>();
    for (DeviceMessage m : messages) {
      subs.add(forwarder.submit(m));
    }
    for (Submission s : subs) {
      s.accepted().get(30, TimeUnit.SECONDS);
    }
  }

  /** A closed spool directory holding {@code messages}, all pending. */
  static void closedSpool(Path dir, List<DeviceMessage> messages) throws Exception {
    try (Forwarder f = pausedForwarder(dir, FlakySink.builder("kafka").build())) {
      submitAll(f, messages);
    }
  }

  /** A dead-letter file written by {@link FileDeadLetterSink}: every message failed permanently. */
  static void deadLetterFile(Path file, List<DeviceMessage> messages) throws Exception {
    FlakySink failing = FlakySink.builder("cmq").permanentFailureRate(1.0).build();
    try (FileDeadLetterSink dead = FileDeadLetterSink.open(file);
        Forwarder f = Forwarder.builder().route(failing).deadLetter(dead)
            .laneDefaults(LaneOptions.builder().retryPolicy(RetryPolicy.none()).build())
            .closeSinks(false).build()) {
      for (DeviceMessage m : messages) {
        try {
          f.forward(m).get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException expected) {
          // permanent failure: dead-lettered
        }
      }
    }
    assertThat(java.nio.file.Files.readAllLines(file)).hasSize(messages.size());
  }
}
