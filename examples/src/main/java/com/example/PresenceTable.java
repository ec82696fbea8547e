package com.example;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.streams.DevicePresence;
import dev.iotforwarder.streams.DevicePresenceTopology;
import dev.iotforwarder.streams.DeviceSerdes;
import dev.iotforwarder.streams.NewerRule;
import dev.iotforwarder.streams.PresenceQueries;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.kstream.Consumed;

/**
 * The demo backend's presence table: a Kafka Streams application ({@code iot-forwarder-streams}) on
 * the Status topic, keeping each device's current state and the online devices per product; at the
 * end the demo compares it with the fleet's truth (each device's last Status message).
 */
final class PresenceTable implements AutoCloseable {
  private final Path stateDir;
  private final KafkaStreams streams;
  private final PresenceQueries queries;

  /**
   * Starts the application.
   *
   * @param kafkaProperties client connection properties (bootstrap servers, SASL)
   * @param statusTopic the topic of Status messages
   */
  PresenceTable(Map<String, Object> kafkaProperties, String statusTopic) throws IOException {
    this.stateDir = Files.createTempDirectory("iot-forwarder-demo-presence-");
    StreamsBuilder builder = new StreamsBuilder();
    DevicePresenceTopology.addTo(builder,
        builder.stream(statusTopic, Consumed.with(Serdes.ByteArray(), DeviceSerdes.deviceMessage())),
        NewerRule.withReorderWindow(Duration.ofSeconds(10)));
    Properties props = new Properties();
    props.putAll(kafkaProperties);
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "demo-presence");
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 200);
    this.streams = new KafkaStreams(builder.build(), props);
    this.queries = new PresenceQueries(streams);
    // The demo stops and restarts the broker (--kafka-outage-seconds): an error that escapes a
    // stream thread then (a transaction that timed out or was fenced while the broker was away)
    // must not end the backend. Replacing the thread resumes from the last committed offsets,
    // which exactly-once makes safe; the default handler would leave the application in ERROR.
    streams.setUncaughtExceptionHandler(error -> {
      System.err.println("presence table: a stream thread failed and is replaced: " + error);
      return StreamThreadExceptionResponse.REPLACE_THREAD;
    });
    streams.start();
  }

  /**
   * Waits until the table holds every device's last Status message, as the fleet sent it.
   *
   * @param fleet the fleet
   * @param timeout how long to wait
   * @return whether it did in time
   */
  boolean awaitMatches(Fleet fleet, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Map<String, Long> expected = expectedOnline(fleet);
    while (mismatches(fleet) > 0 || !expected.equals(onlineCounts())) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50)); // a re-check interval
    }
    return true;
  }

  /** Devices whose row differs from their last Status message (all of them while the store is not ready). */
  private int mismatches(Fleet fleet) {
    int wrong = 0;
    try {
      for (int d = 0; d < fleet.devices(); d++) {
        DeviceMessage last = lastStatus(fleet, d);
        DevicePresence p = last == null ? null : queries.device(last.deviceId()).orElse(null);
        if (last != null && (p == null || p.seq() != last.seq() || !p.lastEvent().equals(last.event()))) {
          wrong++;
        }
      }
    } catch (InvalidStateStoreException notReady) {
      return fleet.devices();
    }
    return wrong;
  }

  /** Per product, the devices whose last Status message is Online. */
  private static Map<String, Long> expectedOnline(Fleet fleet) {
    Map<String, Long> online = new TreeMap<>();
    for (int d = 0; d < fleet.devices(); d++) {
      DeviceMessage last = lastStatus(fleet, d);
      if (last != null) {
        online.merge(last.productName(), last.event().equals("Online") ? 1L : 0L, Long::sum);
      }
    }
    return online;
  }

  /** The table's online counts per product, empty while the store is not ready. */
  private Map<String, Long> onlineCounts() {
    try {
      return queries.onlineCounts();
    } catch (InvalidStateStoreException notReady) {
      return Map.of();
    }
  }

  private static DeviceMessage lastStatus(Fleet fleet, int device) {
    for (long seq = fleet.seqCount(device); seq >= 1; seq--) { // a device numbers its messages from 1
      if (fleet.kind(device, seq).isStatus()) {
        return fleet.message(device, seq);
      }
    }
    return null;
  }

  /**
   * What the table says at the end, against the fleet.
   *
   * @param devices the fleet's devices
   * @param wrong devices whose row differs from their last Status message
   * @param online online devices per product, as the table counts them
   * @param expectedOnline per product, the devices whose last Status message is Online
   * @param matched whether {@link #awaitMatches} saw the table match in time
   */
  record Outcome(int devices, int wrong, Map<String, Long> online, Map<String, Long> expectedOnline,
      boolean matched) {
    /**
     * Prints the online devices per product and the check.
     *
     * @param out where to
     * @return whether the check passed
     */
    boolean print(PrintStream out) {
      long onlineNow = online.values().stream().mapToLong(Long::longValue).sum();
      boolean countsMatch = online.equals(expectedOnline);
      out.println("  presence table: online devices per product now " + online
          + " (Kafka Streams on " + Demo.STATUS_TOPIC + ")");
      return Report.check(out, "presence table", matched && wrong == 0 && countsMatch,
          String.format(Locale.ROOT, "%,d of %,d devices hold their last Status (Seq and event) as the fleet"
              + " sent it; %,d online, per product %s", devices - wrong, devices, onlineNow,
              countsMatch ? "as the fleet says" : "where the fleet says " + expectedOnline));
    }
  }

  /**
   * The table against the fleet, now.
   *
   * @param fleet the fleet
   * @param matched what {@link #awaitMatches} returned
   * @return the outcome
   */
  Outcome outcome(Fleet fleet, boolean matched) {
    Map<String, Long> expected = expectedOnline(fleet);
    Map<String, Long> online = onlineCounts();
    return new Outcome(fleet.devices(), mismatches(fleet), online, expected, matched);
  }

  @Override
  public void close() {
    streams.close(Duration.ofSeconds(10));
    try (Stream<Path> files = Files.walk(stateDir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
