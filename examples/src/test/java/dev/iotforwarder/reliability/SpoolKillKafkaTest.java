package dev.iotforwarder.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.testkit.LocalKafka;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGKILL during a Kafka outage, then a restart and the drain: the CKafka counterpart of {@code
 * sink-cmq}'s {@code SpoolCrashTest.killDuringAnOutageThenDrain}. With {@link LocalKafka} stopped,
 * a child JVM ({@link SpoolKillChild}: a spool at its defaults, fsync on every write) enqueues 1,000
 * messages of 100 devices and is killed with {@code destroyForcibly()} once all 1,000 were accepted.
 * The broker restarts; a second child on the same spool directory replays and drains them.
 *
 * <p>Checked: every accepted message is in the topic (0 lost; copies counted), per device in order
 * (first copies), and the second child's stats: flushed, nothing pending, balanced, 1,000 replayed.
 */
@ExtendWith(ReliabilityExtension.class)
class SpoolKillKafkaTest {
  static final int MESSAGES = 1000;

  @Test
  @DisplayName("Kafka down, the forwarder killed (SIGKILL) with 1,000 messages in its spool; broker back, restart: 0 lost, per-device order")
  void killDuringAKafkaOutageThenDrain(@TempDir Path tmp) throws Exception {
    Path log = ChildJvm.log("spool-kill-children.log");
    long start = System.nanoTime();
    try (LocalKafka kafka = LocalKafka.start()) {
      String topic = kafka.createUniqueTopic("spool-kill", 4);
      String bootstrap = kafka.bootstrapServers();
      kafka.stop();

      Set<Long> accepted = new HashSet<>();
      Path spool = tmp.resolve("spool");
      Process first = child(spool, bootstrap, topic, MESSAGES, log);
      for (String line : lines(first, MESSAGES)) {
        accepted.add(Long.parseLong(line.substring(2)));
      }
      first.destroyForcibly();
      assertThat(first.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(first.exitValue()).as("killed by SIGKILL").isNotZero();
      assertThat(accepted).as("accepted before the kill").hasSize(MESSAGES);

      kafka.restart();
      Process second = child(spool, bootstrap, topic, 0, log);
      List<String> out = lines(second, -1);
      assertThat(second.waitFor(120, TimeUnit.SECONDS)).isTrue();
      assertThat(second.exitValue()).as("the second child's exit status; see %s", log).isZero();
      String stats = out.stream().filter(l -> l.startsWith("STATS")).findFirst().orElse("");
      assertThat(stats).contains("flushed=true").contains("pending=0").contains("balanced=true")
          .contains("replayed=" + MESSAGES);

      Map<String, List<Long>> firstCopies = new HashMap<>();
      Set<Long> seen = new HashSet<>();
      long copies = 0;
      for (Map.Entry<String, List<Long>> e : KafkaOutageTest.readTopic(kafka, topic).entrySet()) {
        int device = Integer.parseInt(e.getKey().substring(e.getKey().lastIndexOf('-') + 1));
        for (long seq : e.getValue()) {
          if (seen.add(seq * SpoolKillChild.DEVICES + device)) {
            firstCopies.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(seq);
          } else {
            copies++;
          }
        }
      }
      Map<String, List<Long>> expected = new HashMap<>();
      for (long id = 0; id < MESSAGES; id++) {
        DeviceMessage m = SpoolKillChild.message(id);
        expected.computeIfAbsent(m.deviceKey(), k -> new ArrayList<>()).add(m.seq());
      }
      Set<Long> lost = new HashSet<>(accepted);
      lost.removeAll(seen);
      Figures.report(new Figures.Row("SIGKILL during a CKafka outage, restart, drain", MESSAGES,
          lost.size(), copies, "", 0, 0, Duration.ofNanos(System.nanoTime() - start),
          "a child (spool at its defaults) enqueued " + MESSAGES + " messages of 100 devices while"
              + " the broker was stopped and was killed (SIGKILL) once all were accepted; the"
              + " broker restarted; a second child replayed and drained them: " + stats));
      assertThat(lost).as("accepted before the kill, not in the topic").isEmpty();
      assertThat(firstCopies).as("per device in order").isEqualTo(expected);
    }
  }

  private static Process child(Path spool, String bootstrap, String topic, int count, Path log)
      throws IOException {
    return new ProcessBuilder(ChildJvm.command(List.of("-Xmx256m"), SpoolKillChild.class,
        spool.toString(), bootstrap, topic, Integer.toString(count)))
        .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
  }

  /**
   * The child's output lines: the first {@code n} starting with {@code "A "} (n ≥ 0), or all of
   * them up to its end (n &lt; 0). A watchdog kills the child if that takes over 2 minutes.
   */
  private static List<String> lines(Process p, int n) throws IOException {
    CompletableFuture<Void> done = new CompletableFuture<>();
    done.completeOnTimeout(null, 2, TimeUnit.MINUTES).thenRun(p::destroyForcibly);
    List<String> out = new ArrayList<>();
    try (BufferedReader r = new BufferedReader(
        new InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII))) {
      String line;
      while ((n < 0 || out.size() < n) && (line = r.readLine()) != null) {
        if (n < 0 || line.startsWith("A ")) {
          out.add(line);
        }
      }
    } finally {
      done.cancel(false);
    }
    return out;
  }
}
