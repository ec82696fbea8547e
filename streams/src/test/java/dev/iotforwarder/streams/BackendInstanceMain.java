package dev.iotforwarder.streams;

import java.util.concurrent.CountDownLatch;
import org.apache.kafka.streams.KafkaStreams;

/**
 * One {@link BackendInstance} in its own JVM, for {@link PresenceFailoverTest} to kill: prints {@code
 * RUNNING} when the instance first runs, then runs until the process dies.
 *
 * <p>Arguments: bootstrap servers, state directory, application server ({@code host:port}).
 */
public final class BackendInstanceMain {
  private BackendInstanceMain() {}

  /**
   * Runs the instance.
   *
   * @param args bootstrap, state directory, application server
   * @throws InterruptedException never in practice: the process is killed
   */
  public static void main(String[] args) throws InterruptedException {
    KafkaStreams streams = BackendInstance.create(args[0], args[1], args[2]);
    streams.setStateListener((now, before) -> {
      if (now == KafkaStreams.State.RUNNING) {
        System.out.println("RUNNING");
        System.out.flush();
      }
    });
    streams.start();
    new CountDownLatch(1).await();
  }
}
