package dev.iotforwarder.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.ForwardingException;
import dev.iotforwarder.PermanentForwardingException;
import dev.iotforwarder.RetriableForwardingException;
import dev.iotforwarder.spi.Sink;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The sink contract kit: JUnit 5 tests that every {@link Sink} must pass, ours and users'.
 *
 * <p>Subclass it in a test, create a sink that writes to a fresh destination in {@link #newSink()},
 * and report what that destination holds in {@link #received()}:
 *
 * <pre>{@code
 * class WebhookSinkContractTest extends SinkContract {
 *   private final RecordingServer server = ...;
 *   protected Sink newSink() { return new WebhookSink(server.url()); }
 *   protected List<DeviceMessage> received() { return server.messages(); }
 * }
 * }</pre>
 *
 * <p>What it checks: a stable non-blank name; {@code send} returns a future at once, never {@code
 * null}; every completed send is in the destination with every field and payload byte intact,
 * a large message ({@link #largePayloadBytes()}) too; one device's messages sent one after another
 * arrive in order; concurrent sends from several threads all arrive; {@code flush} completes only
 * once every send started before it has completed; {@code close} is idempotent and a send after it
 * does not succeed.
 *
 * <p>What sink authors get wrong about failures, checked when {@link #newFailingSink(Failure)}
 * returns a sink that fails on purpose (a fake server told to refuse, a destination that does not
 * exist): a failure never throws from {@code send} but completes its future exceptionally, with
 * {@link RetriableForwardingException} or {@link PermanentForwardingException} as the failure
 * deserves (anything else counts as retriable in a {@code Forwarder}, but the kit wants it said),
 * and {@code flush} completes normally once the failed sends are done. Without it, those two checks
 * are reported as skipped.
 *
 * <p>The checks are methods of this class itself (no nested classes), so test reports file every
 * result under the subclass, your sink's test class.
 */
public abstract class SinkContract {
  private final List<Sink> created = new ArrayList<>();

  /**
   * Creates a sink that writes to a fresh, empty destination. Called once per test.
   *
   * @return the sink under test
   * @throws Exception if the destination cannot be prepared
   */
  protected abstract Sink newSink() throws Exception;

  /**
   * What the destination of the sink most recently created by {@link #newSink()} holds now, in
   * arrival order. For a queue this means reading it back and decoding the envelopes.
   *
   * @return the messages
   * @throws Exception if the destination cannot be read
   */
  protected abstract List<DeviceMessage> received() throws Exception;

  /**
   * The bound on every wait in the kit. Default: 30 seconds.
   *
   * @return the timeout
   */
  protected Duration timeout() {
    return Duration.ofSeconds(30);
  }

  /**
   * The payload size of the large-message check. Default: 48 KiB, which every sink of this project
   * takes (a CMQ queue's default limit is 64 KiB per message, envelope included); return your
   * destination's realistic maximum.
   *
   * @return bytes
   */
  protected int largePayloadBytes() {
    return 48 * 1024;
  }

  /**
   * Optional: creates a sink whose every send fails on purpose with the given kind of failure (a
   * destination that refuses, a fault injected into a fake server, a wrong topic...), for the
   * failure checks: such a send must not throw, must return a future that fails with {@link
   * dev.iotforwarder.RetriableForwardingException} or {@link
   * dev.iotforwarder.PermanentForwardingException} as asked, and {@code flush()} must still complete
   * normally once those sends have failed. Default: {@code null}, which skips the failure checks of
   * that kind (reported as skipped, not passed). Keep such a sink out of {@link #newSink()}: the
   * other checks expect every send to succeed.
   *
   * @param failure the kind of failure every send of the sink must report
   * @return the sink, or {@code null} if this test cannot make the sink fail that way
   * @throws Exception if the destination cannot be prepared
   */
  protected Sink newFailingSink(Failure failure) throws Exception {
    return null;
  }

  /** The kinds of failure {@link #newFailingSink(Failure)} is asked for. */
  protected enum Failure {
    /** Worth trying again later (an outage, a throttle): {@code RetriableForwardingException}. */
    RETRIABLE,
    /** The same send would fail again (a bad request, missing rights): {@code PermanentForwardingException}. */
    PERMANENT
  }

  /**
   * How many messages the bulk tests send. Default: 200.
   *
   * @return the count
   */
  protected int bulkCount() {
    return 200;
  }

  private Sink sink() throws Exception {
    Sink sink = newSink();
    assertThat(sink).as("newSink()").isNotNull();
    created.add(sink);
    return sink;
  }

  @AfterEach
  void closeSinks() {
    for (Sink sink : created) {
      sink.close();
    }
    created.clear();
  }

  /**
   * A message of the kit: device {@code d<device>} of product {@code contract}, with a payload that
   * holds every byte value.
   *
   * @param device device number
   * @param seq serial number
   * @return a Publish message
   */
  protected static DeviceMessage message(int device, long seq) {
    byte[] payload = new byte[300];
    for (int i = 0; i < payload.length; i++) {
      payload[i] = (byte) (i + seq);
    }
    return DeviceMessage.publish(
        "contract", "d" + device, String.valueOf(1_000_000_000_000_000L + device),
        "contract/d" + device + "/data", seq, payload);
  }

  private void await(CompletableFuture<?> future, String what) throws Exception {
    try {
      future.get(timeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      fail(what + " did not complete within " + timeout());
    } catch (ExecutionException e) {
      throw new AssertionError(what + " failed (a sink that fails on purpose belongs in newFailingSink): "
          + e.getCause(), e.getCause());
    }
  }

  private List<DeviceMessage> awaitReceived(int count) throws Exception {
    long deadline = System.nanoTime() + timeout().toNanos();
    List<DeviceMessage> got = received();
    while (got.size() < count && System.nanoTime() < deadline) {
      Thread.onSpinWait();
      TimeUnit.MILLISECONDS.sleep(20); // polling an external destination, bounded by timeout()
      got = received();
    }
    assertThat(got).as("messages in the destination").hasSizeGreaterThanOrEqualTo(count);
    return got;
  }

  @Test
  @DisplayName("name() is not blank and does not change")
  void isStable() throws Exception {
    Sink sink = sink();
    assertThat(sink.name()).isNotBlank();
    assertThat(sink.name()).isEqualTo(sink.name());
  }

  @Test
  @DisplayName("send() returns a future, never null, that completes once the destination has the message")
  void deliversOneMessage() throws Exception {
    Sink sink = sink();
    DeviceMessage m = message(1, 1);
    CompletableFuture<Void> f = sink.send(m);
    assertThat(f).as("send() result").isNotNull();
    await(f, "send");
    assertThat(awaitReceived(1)).contains(m);
  }

  @Test
  @DisplayName("keeps every field and payload byte, including empty payloads and Status messages")
  void keepsContent() throws Exception {
    Sink sink = sink();
    DeviceMessage status = DeviceMessage.status("contract", "d2", "18446744073709551615", "Online", 0);
    DeviceMessage empty = DeviceMessage.publish("contract", "d3", "3", "t/ä/€", Long.MAX_VALUE, new byte[0]);
    DeviceMessage text = DeviceMessage.publish(
        "contract", "设备", "4", "contract/\"quoted\"\\", 5, "{\"a\":1}\n".getBytes(StandardCharsets.UTF_8));
    await(CompletableFuture.allOf(sink.send(status), sink.send(empty), sink.send(text)), "sends");
    assertThat(awaitReceived(3)).contains(status, empty, text);
  }

  @Test
  @DisplayName("delivers one device's messages in the order they were sent, one after another")
  void keepsOrderForSequentialSends() throws Exception {
    Sink sink = sink();
    int n = bulkCount();
    for (int i = 0; i < n; i++) {
      await(sink.send(message(7, i)), "send " + i);
    }
    List<Long> seqs = new ArrayList<>();
    for (DeviceMessage m : awaitReceived(n)) {
      if (m.deviceName().equals("d7")) {
        seqs.add(m.seq());
      }
    }
    List<Long> distinct = new ArrayList<>(new LinkedHashMap<Long, Boolean>() {
      {
        seqs.forEach(s -> put(s, true));
      }
    }.keySet());
    assertThat(distinct).as("first arrival of each seq").isSorted().hasSize(n);
  }

  @Test
  @DisplayName("accepts sends from several threads at once and delivers all of them")
  void isThreadSafe() throws Exception {
    Sink sink = sink();
    int threads = 4;
    int perThread = Math.max(1, bulkCount() / threads);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<List<CompletableFuture<Void>>>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int device = 100 + t;
        results.add(pool.submit(() -> {
          List<CompletableFuture<Void>> fs = new ArrayList<>();
          for (int i = 0; i < perThread; i++) {
            fs.add(sink.send(message(device, i)));
          }
          return fs;
        }));
      }
      List<CompletableFuture<Void>> all = new ArrayList<>();
      for (Future<List<CompletableFuture<Void>>> r : results) {
        all.addAll(r.get(timeout().toMillis(), TimeUnit.MILLISECONDS));
      }
      await(CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)), "concurrent sends");
    } finally {
      pool.shutdownNow();
    }
    Map<String, Integer> perDevice = new LinkedHashMap<>();
    for (DeviceMessage m : awaitReceived(threads * perThread)) {
      perDevice.merge(m.deviceName(), 1, Integer::sum);
    }
    for (int t = 0; t < threads; t++) {
      assertThat(perDevice.getOrDefault("d" + (100 + t), 0)).isGreaterThanOrEqualTo(perThread);
    }
  }

  @Test
  @DisplayName("flush() returns a future that completes only after every send started before it")
  void flushCompletes() throws Exception {
    Sink sink = sink();
    List<CompletableFuture<Void>> sends = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      sends.add(sink.send(message(9, i)));
    }
    CompletableFuture<Void> flushed = sink.flush();
    assertThat(flushed).as("flush() result").isNotNull();
    await(flushed, "flush");
    for (int i = 0; i < sends.size(); i++) {
      assertThat(sends.get(i)).as("send %d, started before flush(), once flush() completed", i).isDone();
    }
    await(CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)), "sends");
  }

  @Test
  @DisplayName("send() delivers a large message intact")
  void deliversLargeMessage() throws Exception {
    Sink sink = sink();
    byte[] payload = new byte[largePayloadBytes()];
    for (int i = 0; i < payload.length; i++) {
      payload[i] = (byte) (i * 31 + (i >>> 8));
    }
    DeviceMessage large = DeviceMessage.publish("contract", "d12", "12", "contract/d12/large", 1, payload);
    await(sink.send(large), "send of a " + payload.length + "-byte payload");
    assertThat(awaitReceived(1)).contains(large);
  }

  @Test
  @DisplayName("close() can be called twice, and a send after close does not succeed")
  void closeIsIdempotentAndFinal() throws Exception {
    Sink sink = sink();
    await(sink.send(message(11, 1)), "send before close");
    sink.close();
    assertThatCode(sink::close).doesNotThrowAnyException();
    CompletableFuture<Void> late;
    try {
      late = sink.send(message(11, 2));
    } catch (RuntimeException rejected) {
      return; // throwing at once is an acceptable way to refuse
    }
    assertThat(late).as("send() after close()").isNotNull();
    try {
      late.get(timeout().toMillis(), TimeUnit.MILLISECONDS);
      fail("a send after close() succeeded");
    } catch (ExecutionException expected) {
      assertThat(expected.getCause()).isNotNull();
    }
  }

  @Test
  @DisplayName("a retriable failure completes the future with a RetriableForwardingException, never thrown from send()")
  void retriableFailureIsReportedAsRetriable() throws Exception {
    checkFailure(Failure.RETRIABLE, RetriableForwardingException.class);
  }

  @Test
  @DisplayName("a permanent failure completes the future with a PermanentForwardingException, never thrown from send()")
  void permanentFailureIsReportedAsPermanent() throws Exception {
    checkFailure(Failure.PERMANENT, PermanentForwardingException.class);
  }

  private void checkFailure(Failure kind, Class<? extends ForwardingException> expected) throws Exception {
    Sink sink = newFailingSink(kind);
    assumeTrue(sink != null, "newFailingSink(" + kind + ") is not implemented: the " + kind + " check is skipped");
    created.add(sink);
    List<CompletableFuture<Void>> sends = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      CompletableFuture<Void> f;
      try {
        f = sink.send(message(13, i));
      } catch (RuntimeException e) {
        throw new AssertionError("send() threw instead of failing its future: " + e, e);
      }
      assertThat(f).as("send() result").isNotNull();
      sends.add(f);
    }
    CompletableFuture<Void> flushed = sink.flush();
    assertThat(flushed).as("flush() result").isNotNull();
    await(flushed, "flush() after failing sends (it completes normally: failures belong to each send)");
    for (int i = 0; i < sends.size(); i++) {
      CompletableFuture<Void> f = sends.get(i);
      assertThat(f).as("failing send %d, started before flush(), once flush() completed", i).isDone();
      try {
        f.get(timeout().toMillis(), TimeUnit.MILLISECONDS);
        fail("send " + i + " to a sink made to fail " + kind + " succeeded");
      } catch (ExecutionException e) {
        assertThat(e.getCause()).as("the failure of send %d (anything but a PermanentForwardingException counts "
            + "as retriable, but say so)", i).isInstanceOf(expected);
      }
    }
  }
}
