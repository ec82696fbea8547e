package dev.iotforwarder.cmq;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.Forwarder;
import dev.iotforwarder.LaneOptions;
import dev.iotforwarder.SpoolOptions;
import dev.iotforwarder.SpoolStats;
import dev.iotforwarder.StatusEvent;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The child JVM of {@link SpoolCrashTest}: a forwarder with a spool (fsync on every write) in front
 * of a {@link CmqSink} that talks to the parent's LocalCmq. It forwards messages {@code first} to
 * {@code first + count - 1} and prints {@code A <id>} once a message's accepted stage completed,
 * so the parent knows which messages the spool promised to deliver. Then it flushes, prints {@code
 * STATS ...} and closes. The parent may kill it at any moment.
 *
 * <p>Arguments: spoolDir cmqUrl secretId secretKey queue first count [hold]. With {@code hold}, it
 * waits for a line on stdin after printing {@code START}, holding the spool directory.
 */
public final class SpoolCrashChild {
  static final int DEVICES = 25;

  private SpoolCrashChild() {}

  /** Message {@code id}: device {@code id % 25}, Seq {@code id}; every 10th a Status message. */
  static DeviceMessage message(long id) {
    int device = (int) (id % DEVICES);
    String name = "dev-" + device;
    if (id % 10 == 0) {
      return DeviceMessage.status("crash", name, Long.toString(1000 + device),
          id % 20 == 0 ? StatusEvent.ONLINE : StatusEvent.OFFLINE, id);
    }
    byte[] payload = ("{\"id\":" + id + ",\"pad\":\"" + "x".repeat((int) (id % 50)) + "\"}")
        .getBytes(StandardCharsets.UTF_8);
    return DeviceMessage.publish("crash", name, Long.toString(1000 + device), "crash/" + name + "/data",
        id, payload);
  }

  public static void main(String[] args) throws Exception {
    Path spool = Path.of(args[0]);
    String url = args[1];
    CmqCredentials credentials = CmqCredentials.of(args[2], args[3]);
    String queue = args[4];
    long first = Long.parseLong(args[5]);
    int count = Integer.parseInt(args[6]);
    PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false,
        StandardCharsets.US_ASCII);
    CmqClient client = CmqClient.builder().endpoint(CmqEndpoint.of(url)).credentials(credentials).build();
    CmqSink sink = CmqSink.builder().client(client)
        .queue(queue).linger(Duration.ofMillis(2)).build();
    try (Forwarder forwarder = Forwarder.builder()
        .route(sink)
        .spool(spool, SpoolOptions.builder().fsyncEveryWrite().segmentBytes(32 * 1024).build())
        .laneDefaults(LaneOptions.builder().maxMessages(500).build())
        .build()) {
      SpoolStats start = forwarder.stats().spool();
      line(out, "START recovered=" + start.recovered() + " corruptSkipped=" + start.corruptSkipped()
          + " tornTails=" + start.tornTails());
      if (args.length > 7 && args[7].equals("hold")) {
        new java.io.BufferedReader(new java.io.InputStreamReader(System.in, StandardCharsets.US_ASCII))
            .readLine();
      }
      for (long id = first; id < first + count; id++) {
        long done = id;
        forwarder.submit(message(id)).accepted().thenRun(() -> line(out, "A " + done));
      }
      boolean flushed = forwarder.flush(Duration.ofSeconds(90));
      SpoolStats s = forwarder.stats().spool();
      line(out, "STATS flushed=" + flushed + " recovered=" + s.recovered() + " replayed="
          + s.replayed() + " spooled=" + s.spooled() + " completed=" + s.completed() + " pending="
          + s.pending() + " balanced=" + forwarder.stats().balanced());
    }
    client.close(); // the host's, closed after the forwarder closed its sink
    line(out, "CLOSED");
  }

  private static void line(PrintStream out, String s) {
    synchronized (out) {
      out.println(s);
      out.flush();
    }
  }
}
