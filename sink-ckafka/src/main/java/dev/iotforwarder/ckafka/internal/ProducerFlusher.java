package dev.iotforwarder.ckafka.internal;

import dev.iotforwarder.ckafka.CkafkaSink;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.Producer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the producer's {@code flush()} on a thread of the sink's own, {@code
 * iot-forwarder-ckafka-<name>-flush}.
 *
 * <p>Why a thread: {@code Producer.flush()} blocks until every record buffered so far has been
 * acknowledged or has failed, which can take up to {@code delivery.timeout.ms} (120 s by default),
 * and it takes no timeout. {@code Sink.flush()} must return at once: a {@code Forwarder} calls it on
 * the thread of {@code Forwarder.flush(timeout)} or {@code close()} and then waits only until its own
 * deadline. Nor may it run on the thread that completes the sink's futures, the producer's I/O thread:
 * a flush there would wait for acknowledgements only that thread can process. The thread starts with
 * the first flush and ends after 30 s idle, so a sink that is never flushed never has it.
 */
public final class ProducerFlusher {
  private static final Logger log = LoggerFactory.getLogger(CkafkaSink.class);

  private final String sink;
  private final Producer<?, ?> producer;
  private final ThreadPoolExecutor thread;

  /**
   * A flusher; starts no thread yet.
   *
   * @param sink the sink's name, in the thread's name and logs
   * @param producer the producer to flush
   */
  public ProducerFlusher(String sink, Producer<?, ?> producer) {
    this.sink = sink;
    this.producer = producer;
    String name = "iot-forwarder-ckafka-" + sink + "-flush";
    this.thread = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    });
    thread.allowCoreThreadTimeOut(true);
  }

  /**
   * Asks the producer to send its buffer at once, on the flush thread.
   *
   * @return a future that completes normally once the producer's {@code flush()} returned or threw,
   *     or at once if the flusher is shut down
   */
  public CompletableFuture<Void> flush() {
    CompletableFuture<Void> flushed = new CompletableFuture<>();
    try {
      thread.execute(() -> {
        try {
          producer.flush();
        } catch (RuntimeException e) {
          log.debug("CKafka sink '{}': producer flush failed: {}", sink, e.toString());
        } finally {
          flushed.complete(null);
        }
      });
    } catch (RejectedExecutionException e) {
      flushed.complete(null); // closed: the pending futures complete anyway
    }
    return flushed;
  }

  /** Lets a flush in progress finish and accepts no more. */
  public void shutdown() {
    thread.shutdown();
  }
}
