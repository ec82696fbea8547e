package dev.iotforwarder.connect.internal;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.EnvelopeCodec;
import dev.iotforwarder.EnvelopeFormatException;
import dev.iotforwarder.cmq.CmqClient;
import dev.iotforwarder.cmq.CmqMessage;
import dev.iotforwarder.connect.CmqSourceConfig;
import dev.iotforwarder.connect.EnvelopeSchema;
import dev.iotforwarder.connect.internal.Receivers.Received;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The task of {@link dev.iotforwarder.connect.CmqSourceConnector}: receives from its pollers' queues,
 * turns each message into a record, and deletes the message from CMQ once Kafka acknowledged the
 * record ({@link #commitRecord(SourceRecord, RecordMetadata)}).
 *
 * <p>Threads and state. {@link #poll()} runs on the task's thread; {@code commitRecord} on the
 * producer's; {@link #stop()} on another. The receipt handles of records handed to Connect and not
 * yet acknowledged are in a concurrent map keyed by queue and message id; {@link Receivers} and
 * {@link Deleter} are thread-safe. The CMQ client is closed a few seconds after {@code stop()}, so
 * that acknowledgements still arriving can delete their messages.
 */
public final class CmqSourceTask extends SourceTask {
  /** The task key set by the connector: the queue of each of the task's pollers, comma-separated. */
  public static final String TASK_POLLERS = "cmq.task.pollers";
  /** Header with the CMQ queue a record came from. */
  public static final String HEADER_QUEUE = "cmq.queue";
  /** Header with the CMQ message id. */
  public static final String HEADER_MSG_ID = "cmq.msgId";
  /** Header, on records of the undecodable topic, with what is wrong with the body. */
  public static final String HEADER_ERROR = "cmq.error";

  private static final Logger log = LoggerFactory.getLogger(CmqSourceTask.class);
  private static final Duration POLL_WAIT = Duration.ofMillis(500);
  private static final long CLOSE_GRACE_MS = 5_000;

  private final Map<String, String> handles = new ConcurrentHashMap<>();
  private String topic;
  private boolean struct;
  private String undecodableTopic;
  private int maxPerPoll;
  private CmqClient client;
  private Receivers receivers;
  private Deleter deleter;
  private ScheduledExecutorService timer;

  /** Created by Connect. */
  public CmqSourceTask() {}

  @Override
  public String version() {
    return Version.get();
  }

  @Override
  public void start(Map<String, String> props) {
    CmqSourceConfig config = new CmqSourceConfig(props);
    topic = config.getString(CmqSourceConfig.TOPIC).trim();
    struct = CmqSourceConfig.FORMAT_STRUCT.equals(config.getString(CmqSourceConfig.VALUE_FORMAT));
    undecodableTopic = CmqSourceConfig.UNDECODABLE_TO_TOPIC.equals(config.getString(CmqSourceConfig.UNDECODABLE))
        ? config.getString(CmqSourceConfig.UNDECODABLE_TOPIC).trim() : null;
    List<String> pollers = Arrays.stream(props.getOrDefault(TASK_POLLERS, String.join(",", config.queues()))
        .split(",")).map(String::trim).filter(q -> !q.isEmpty()).toList();
    int batch = config.getInt(CmqSourceConfig.BATCH_SIZE);
    int maxUnacked = config.getInt(CmqSourceConfig.MAX_UNACKED);
    maxPerPoll = Math.max(batch, Math.min(maxUnacked, 2_000));
    client = CmqConnection.client(config, pollers.size() + 16);
    deleter = new Deleter(client);
    timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "cmq-source-timer");
      t.setDaemon(true);
      return t;
    });
    receivers = new Receivers(client, pollers, batch,
        Duration.ofMillis(config.getLong(CmqSourceConfig.POLLING_WAIT_MS)), maxUnacked, timer);
    receivers.start();
    log.info("CMQ source task started: {} poller(s) on {}, to topic {}", pollers.size(), client.endpoint(), topic);
  }

  @Override
  public List<SourceRecord> poll() throws InterruptedException {
    deleter.flush();
    List<Received> received = receivers.take(maxPerPoll, POLL_WAIT);
    if (received.isEmpty()) {
      return null;
    }
    List<SourceRecord> records = new ArrayList<>(received.size());
    for (Received r : received) {
      records.add(toRecord(r.queue(), r.message()));
    }
    return records;
  }

  private SourceRecord toRecord(String queue, CmqMessage m) {
    byte[] body = m.body().getBytes(StandardCharsets.UTF_8);
    ConnectHeaders headers = new ConnectHeaders();
    headers.addString(HEADER_QUEUE, queue).addString(HEADER_MSG_ID, m.msgId());
    Long timestamp = m.enqueueTime() > 0 ? m.enqueueTime() * 1000 : null;
    Map<String, String> partition = Map.of("queue", queue);
    Map<String, String> offset = Map.of("msgId", m.msgId());
    DeviceMessage message;
    try {
      message = EnvelopeCodec.standard().decode(body);
    } catch (EnvelopeFormatException e) {
      if (undecodableTopic == null) {
        throw new ConnectException("CMQ message " + m.msgId() + " of queue " + queue + " is not an envelope ("
            + e.getMessage() + "); it stays in CMQ. Set cmq.undecodable=topic to move such bodies to a topic.", e);
      }
      headers.addString(HEADER_ERROR, e.getMessage());
      handles.put(key(queue, m.msgId()), m.receiptHandle());
      return new SourceRecord(partition, offset, undecodableTopic, null, null, null, Schema.BYTES_SCHEMA, body,
          timestamp, headers);
    }
    handles.put(key(queue, m.msgId()), m.receiptHandle());
    Object value = struct ? EnvelopeSchema.toStruct(message) : body;
    Schema schema = struct ? EnvelopeSchema.SCHEMA : Schema.BYTES_SCHEMA;
    return new SourceRecord(partition, offset, topic, null, Schema.STRING_SCHEMA, message.deviceKey(), schema,
        value, timestamp, headers);
  }

  /**
   * Deletes the record's message from CMQ: Kafka has the record ({@code metadata} non-null), or
   * Connect chose to drop it ({@code null}: a transformation filtered it, or {@code errors.tolerance=all}
   * skipped a record that failed to convert or produce).
   *
   * @param record the record
   * @param metadata where Kafka stored it, or {@code null}
   */
  @Override
  public void commitRecord(SourceRecord record, RecordMetadata metadata) {
    String queue = (String) record.sourcePartition().get("queue");
    String handle = handles.remove(key(queue, (String) record.sourceOffset().get("msgId")));
    receivers.release(1);
    if (handle != null) {
      deleter.delete(queue, handle);
    }
  }

  @Override
  public void commit() {
    if (deleter != null) {
      deleter.flush();
    }
  }

  @Override
  public void stop() {
    if (receivers == null) {
      return;
    }
    receivers.stop();
    CmqClient c = client;
    Deleter d = deleter;
    ScheduledExecutorService t = timer;
    t.schedule(() -> {
      d.flush().whenComplete((x, e) -> c.close());
      t.shutdown();
    }, CLOSE_GRACE_MS, TimeUnit.MILLISECONDS);
    log.info("CMQ source task stopping; {} message(s) deleted, {} left for CMQ to deliver again",
        d.deletedCount(), d.failedCount());
  }

  private static String key(String queue, String msgId) {
    return queue + '\n' + msgId;
  }
}
