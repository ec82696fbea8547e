package dev.iotforwarder.reliability;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.Forwarder;
import dev.iotforwarder.ForwarderStats;
import dev.iotforwarder.ckafka.CkafkaSink;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The child JVM of {@link SpoolKillKafkaTest}: a forwarder with a spool at its defaults (fsync on
 * every write) and a {@link CkafkaSink}. Arguments: spool directory, bootstrap servers, topic,
 * messages to enqueue. It prints {@code A <id>} for each message whose {@code enqueue} stage
 * completed (durable in the spool). With 0 messages it only drains what the spool holds, prints
 * {@code STATS flushed=... pending=... replayed=... balanced=...} and exits 0; otherwise it waits
 * to be killed.
 */
final class SpoolKillChild {
  static final int DEVICES = 100;

  private SpoolKillChild() {}

  /** Message {@code id}: device {@code id % 100}, seq {@code id / 100}. */
  static DeviceMessage message(long id) {
    return Devices.publish((int) (id % DEVICES), id / DEVICES, 100);
  }

  public static void main(String[] args) throws Exception {
    Path spool = Path.of(args[0]);
    int count = Integer.parseInt(args[3]);
    CkafkaSink sink = CkafkaSink.builder().name("ckafka").bootstrapServers(args[1]).topic(args[2])
        .producerProperty("max.block.ms", 1000)
        .producerProperty("request.timeout.ms", 1000)
        .producerProperty("delivery.timeout.ms", 3000)
        .build();
    Forwarder f = Forwarder.builder().route(sink).spool(spool).build();
    if (count == 0) {
      boolean flushed = f.flush(Duration.ofMinutes(2));
      ForwarderStats s = f.stats();
      System.out.printf("STATS flushed=%s pending=%d replayed=%d balanced=%s succeeded=%d%n",
          flushed, s.spool().pending(), s.spool().replayed(), s.balanced(),
          s.sink("ckafka").succeeded());
      System.out.flush();
      f.close();
      System.exit(0);
    }
    for (long id = 0; id < count; id++) {
      long i = id;
      f.enqueue(message(id)).thenRun(() -> {
        synchronized (System.out) {
          System.out.println("A " + i);
          System.out.flush();
        }
      });
    }
    Thread.currentThread().join(); // until killed
  }
}
