package dev.iotforwarder.connect.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.EnvelopeCodec;
import dev.iotforwarder.connect.EnvelopeSchema;
import dev.iotforwarder.testkit.CmqFault;
import dev.iotforwarder.testkit.LocalCmq;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTaskContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CmqSinkTaskTest {
  private static final TopicPartition TP = new TopicPartition("in", 0);

  private LocalCmq cmq;
  private final CmqSinkTask task = new CmqSinkTask();
  private final List<SinkRecord> reported = new ArrayList<>();
  private final List<Long> timeouts = new ArrayList<>();

  @BeforeEach
  void start() {
    cmq = LocalCmq.start();
    cmq.createQueue("out");
  }

  @AfterEach
  void stop() {
    task.stop();
    cmq.close();
  }

  /** Connect's context, with or without an errant record reporter (a proxy: the interface grows). */
  private void startTask(boolean withReporter, String... extra) {
    ErrantRecordReporter reporter = (r, e) -> {
      reported.add(r);
      return CompletableFuture.completedFuture(null);
    };
    SinkTaskContext context = (SinkTaskContext) Proxy.newProxyInstance(getClass().getClassLoader(),
        new Class<?>[] {SinkTaskContext.class}, (proxy, method, args) -> switch (method.getName()) {
          case "errantRecordReporter" -> withReporter ? reporter : null;
          case "timeout" -> timeouts.add((Long) args[0]);
          default -> null;
        });
    task.initialize(context);
    Map<String, String> p = new HashMap<>(Map.of("cmq.endpoint", cmq.url(), "cmq.secret.id", cmq.secretId(),
        "cmq.secret.key", cmq.secretKey(), "cmq.queue", "out", "topics", "in"));
    for (int i = 0; i < extra.length; i += 2) {
      p.put(extra[i], extra[i + 1]);
    }
    task.start(p);
  }

  private static SinkRecord record(long offset, Object value) {
    return new SinkRecord("in", 0, null, null, null, value, offset);
  }

  private static List<SinkRecord> envelopes(int from, int count) {
    List<SinkRecord> out = new ArrayList<>();
    for (int i = from; i < from + count; i++) {
      out.add(record(i, EnvelopeCodec.standard().encode(DeviceMessage.status("p", "d" + i, "1", "Online", i))));
    }
    return out;
  }

  private Map<TopicPartition, OffsetAndMetadata> preCommit(long offered) {
    return task.preCommit(Map.of(TP, new OffsetAndMetadata(offered)));
  }

  @Test
  void putReturnsOnceCmqStoredEveryRecordAndOnlyThenAreOffsetsCommittable() {
    startTask(false);
    assertThat(preCommit(40)).isEmpty();
    task.put(envelopes(0, 40));
    assertThat(cmq.bodies("out")).hasSize(40);
    assertThat(preCommit(40)).containsEntry(TP, new OffsetAndMetadata(40));
    assertThat(preCommit(30)).containsEntry(TP, new OffsetAndMetadata(30));
  }

  @Test
  void aRetriableFailureIsRetriedQuicklyWithinPut() {
    startTask(false);
    cmq.injectFaults(List.of("BatchSendMessage"), CmqFault.error(6000));
    task.put(envelopes(0, 32));
    assertThat(cmq.bodies("out")).hasSize(32); // the failed batch again, the stored one not twice
    assertThat(timeouts).isEmpty();
  }

  @Test
  void persistentRetriableFailuresBecomeRetriableExceptionAndStoredRecordsAreNotSentTwice() {
    startTask(false, "cmq.retry.backoff.ms", "250");
    // Two batches: both fail twice, then one of them a third time.
    cmq.injectFaults(List.of("BatchSendMessage"), CmqFault.error(4420), CmqFault.error(4420),
        CmqFault.error(6000), CmqFault.httpStatus(503), CmqFault.error(6000));
    List<SinkRecord> batch = envelopes(0, 32);
    assertThatThrownBy(() -> task.put(batch)).isInstanceOf(RetriableException.class)
        .hasMessageContaining("16 of 32 records");
    assertThat(timeouts).containsExactly(250L);
    assertThat(cmq.bodies("out")).hasSize(16);
    assertThat(preCommit(32)).isEmpty();
    task.put(batch); // Connect gives the same batch again
    assertThat(cmq.bodies("out")).hasSize(32);
    assertThat(preCommit(32)).containsEntry(TP, new OffsetAndMetadata(32));
  }

  @Test
  void aBadRecordFailsTheTaskWithoutErrorHandlingNamingTheRecord() {
    startTask(false);
    List<SinkRecord> batch = new ArrayList<>(envelopes(0, 2));
    batch.add(record(2, "not an envelope".getBytes(StandardCharsets.UTF_8)));
    assertThatThrownBy(() -> task.put(batch)).isInstanceOf(ConnectException.class)
        .isNotInstanceOf(RetriableException.class).hasMessageContaining("in-0@2");
    assertThat(preCommit(3)).isEmpty();
  }

  @Test
  void badRecordsGoToTheErrantRecordReporter() {
    startTask(true);
    List<SinkRecord> batch = new ArrayList<>(envelopes(0, 2));
    batch.add(record(2, "not an envelope"));
    batch.add(record(3, null));
    batch.add(record(4, Map.of("MsgType", "Publish")));
    batch.add(record(5, EnvelopeSchema.toStruct(DeviceMessage.status("p", "d", "1", "Offline", 5))));
    task.put(batch);
    assertThat(reported).extracting(SinkRecord::kafkaOffset).containsExactly(2L, 3L, 4L);
    assertThat(cmq.bodies("out")).hasSize(3);
    assertThat(preCommit(6)).containsEntry(TP, new OffsetAndMetadata(6));
  }

  @Test
  void badRecordsAreSkippedUnderToleranceAllWithoutAReporter() {
    startTask(false, "errors.tolerance", "all");
    List<SinkRecord> batch = new ArrayList<>(envelopes(0, 1));
    batch.add(record(1, "{}"));
    task.put(batch);
    assertThat(cmq.bodies("out")).hasSize(1);
    assertThat(preCommit(2)).containsEntry(TP, new OffsetAndMetadata(2));
  }

  @Test
  void aWrongSecretFailsTheTaskEvenUnderToleranceAll() {
    startTask(true, "cmq.secret.key", "not-the-key", "errors.tolerance", "all");
    assertThatThrownBy(() -> task.put(envelopes(0, 3))).isInstanceOf(ConnectException.class)
        .isNotInstanceOf(RetriableException.class).hasMessageContaining("4100")
        .hasMessageNotContaining("not-the-key");
    assertThat(reported).isEmpty();
  }
}
