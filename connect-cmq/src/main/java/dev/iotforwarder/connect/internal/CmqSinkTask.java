package dev.iotforwarder.connect.internal;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.PermanentForwardingException;
import dev.iotforwarder.cmq.CmqClient;
import dev.iotforwarder.cmq.CmqException;
import dev.iotforwarder.cmq.CmqSink;
import dev.iotforwarder.connect.CmqSinkConfig;
import dev.iotforwarder.spi.BatchResult;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The task of {@link dev.iotforwarder.connect.CmqSinkConnector}: sends each {@link #put(Collection)}'s
 * records to CMQ through a {@link CmqSink} and returns when CMQ stored all of them.
 *
 * <p>Retries. What fails retriably is sent again at once within the same {@code put}, twice (after
 * 50 and 100 ms); what still fails becomes a {@link RetriableException}, and Connect gives the batch
 * again after {@code cmq.retry.backoff.ms}.
 *
 * <p>Threads and state. Connect calls {@code put}, {@code preCommit}, {@code open}/{@code close} and
 * {@code stop} on the task's one thread, so the fields need no lock; CMQ's answers complete on the
 * client's HTTP threads and are only waited for. {@code stored} holds the records of a batch that
 * CMQ stored (or that went to the error handling) while others of it failed retriably: Connect gives
 * that batch again and they are not sent twice. {@code committable} is, per partition, the offset after
 * the last record of a completed {@code put}; {@link #preCommit(Map)} returns nothing beyond it.
 */
public final class CmqSinkTask extends SinkTask {
  private static final Logger log = LoggerFactory.getLogger(CmqSinkTask.class);
  /** Quick retries inside one {@code put} of what failed retriably, before Connect's own retry. */
  private static final int QUICK_RETRIES = 2;
  private static final long QUICK_RETRY_PAUSE_MS = 50;

  private final Set<String> stored = new HashSet<>();
  private final Map<TopicPartition, Long> committable = new HashMap<>();
  private CmqClient client;
  private CmqSink sink;
  private int batchSize;
  private long putTimeoutMs;
  private long backoffMs;
  private boolean tolerateAll;
  private ErrantRecordReporter reporter;
  private long skipped;

  /** Created by Connect. */
  public CmqSinkTask() {}

  @Override
  public String version() {
    return Version.get();
  }

  @Override
  public void start(Map<String, String> props) {
    CmqSinkConfig config = new CmqSinkConfig(props);
    batchSize = config.getInt(CmqSinkConfig.BATCH_SIZE);
    putTimeoutMs = config.getLong(CmqSinkConfig.PUT_TIMEOUT_MS);
    backoffMs = config.getLong(CmqSinkConfig.RETRY_BACKOFF_MS);
    tolerateAll = "all".equalsIgnoreCase(props.getOrDefault("errors.tolerance", "none").trim());
    client = CmqConnection.client(config, 64);
    CmqSink.Builder b = CmqSink.builder().client(client)
        .maxBatchCount(batchSize)
        .maxBatchBytes(config.getInt(CmqSinkConfig.MAX_BATCH_BYTES))
        .maxMessageBytes(config.getInt(CmqSinkConfig.MAX_MESSAGE_BYTES));
    String queue = config.getString(CmqSinkConfig.QUEUE).trim();
    if (!queue.isEmpty()) {
      b.queue(queue).delaySeconds(config.getInt(CmqSinkConfig.DELAY_SECONDS));
    } else {
      b.topic(config.getString(CmqSinkConfig.CMQ_TOPIC).trim());
      if (CmqSinkConfig.TAGS_MSGTYPE.equals(config.getString(CmqSinkConfig.TAGS))) {
        b.msgTags(CmqSink.tagByMsgType());
      }
      if (CmqSinkConfig.ROUTING_DEVICE.equals(config.getString(CmqSinkConfig.ROUTING_KEY))) {
        b.routingKey(CmqSink.routingKeyByDevice());
      }
    }
    sink = b.build();
    try {
      reporter = context.errantRecordReporter();
    } catch (NoSuchMethodError | NoClassDefFoundError olderWorker) {
      reporter = null;
    }
    log.info("CMQ sink task started: {} on {}", sink, client.endpoint());
  }

  @Override
  public void put(Collection<SinkRecord> records) {
    if (records.isEmpty()) {
      return;
    }
    List<SinkRecord> sending = new ArrayList<>(records.size());
    List<DeviceMessage> messages = new ArrayList<>(records.size());
    List<Future<Void>> reports = new ArrayList<>();
    for (SinkRecord r : records) {
      if (stored.contains(SinkValues.where(r))) {
        continue;
      }
      DeviceMessage m;
      try {
        m = SinkValues.toMessage(r);
      } catch (RuntimeException e) {
        recordError(r, e, reports);
        continue;
      }
      sending.add(r);
      messages.add(m);
    }
    for (int round = 0; !sending.isEmpty(); round++) {
      List<SinkRecord> again = new ArrayList<>();
      List<DeviceMessage> againMessages = new ArrayList<>();
      Throwable firstRetriable = sendRound(sending, messages, again, againMessages, reports);
      if (!again.isEmpty() && round == QUICK_RETRIES) {
        awaitReports(reports);
        context.timeout(backoffMs);
        throw new RetriableException(again.size() + " of " + records.size() + " records are not stored in CMQ "
            + "yet (Connect gives them again; the stored ones are not sent twice): " + firstRetriable.getMessage(),
            firstRetriable);
      }
      if (!again.isEmpty()) {
        pause(QUICK_RETRY_PAUSE_MS << round);
      }
      sending = again;
      messages = againMessages;
    }
    awaitReports(reports);
    for (SinkRecord r : records) {
      committable.merge(new TopicPartition(r.topic(), r.kafkaPartition()), r.kafkaOffset() + 1, Math::max);
    }
    stored.clear();
  }

  /**
   * Sends the messages in batches and sorts the outcomes: stored, a record error (reported), a failure
   * of the destination (thrown), or retriable (added to {@code again}).
   *
   * @return the first retriable failure, or {@code null}
   */
  private Throwable sendRound(List<SinkRecord> sending, List<DeviceMessage> messages, List<SinkRecord> again,
      List<DeviceMessage> againMessages, List<Future<Void>> reports) {
    List<CompletableFuture<BatchResult>> results = new ArrayList<>();
    for (int from = 0; from < messages.size(); from += batchSize) {
      results.add(sink.sendBatch(messages.subList(from, Math.min(messages.size(), from + batchSize))));
    }
    Throwable firstRetriable = null;
    for (int i = 0; i < results.size(); i++) {
      BatchResult result = await(results.get(i));
      for (int index = i * batchSize; index < Math.min(sending.size(), (i + 1) * batchSize); index++) {
        SinkRecord r = sending.get(index);
        Throwable failure = result == null
            ? new TimeoutException("no answer from CMQ in " + putTimeoutMs + " ms")
            : result.failure(index - i * batchSize);
        if (failure == null) {
          stored.add(SinkValues.where(r));
        } else if (failure instanceof PermanentForwardingException p && !isRecordProblem(p)) {
          throw new ConnectException("CMQ refused the records of " + SinkValues.where(r) + " for a reason "
              + "that is not the record's: " + p.getMessage(), p);
        } else if (failure instanceof PermanentForwardingException p) {
          recordError(r, p, reports);
        } else {
          again.add(r);
          againMessages.add(messages.get(index));
          firstRetriable = firstRetriable == null ? failure : firstRetriable;
        }
      }
    }
    return firstRetriable;
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RetriableException("Interrupted while waiting to send again", e);
    }
  }

  private BatchResult await(CompletableFuture<BatchResult> f) {
    try {
      return f.get(putTimeoutMs, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      f.cancel(true);
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RetriableException("Interrupted while waiting for CMQ", e);
    } catch (ExecutionException e) {
      throw new ConnectException("CmqSink failed a batch as a whole: " + e.getCause().getMessage(), e.getCause());
    }
  }

  /** A failure of the record itself (too large), not of the key, the queue or the service. */
  private static boolean isRecordProblem(PermanentForwardingException p) {
    return !(p.getCause() instanceof CmqException c) || c.isMessageTooLarge() || c.isBatchTooLarge();
  }

  private void recordError(SinkRecord r, Exception e, List<Future<Void>> reports) {
    if (reporter != null) {
      reports.add(reporter.report(r, e));
      stored.add(SinkValues.where(r));
    } else if (tolerateAll) {
      skipped++;
      stored.add(SinkValues.where(r));
      log.warn("Skipped record {} (errors.tolerance=all, no dead-letter queue): {}", SinkValues.where(r),
          e.getMessage());
    } else {
      throw new ConnectException("Record " + SinkValues.where(r) + " cannot go to CMQ: " + e.getMessage()
          + ". Set errors.tolerance=all and errors.deadletterqueue.topic.name to route such records aside.", e);
    }
  }

  private void awaitReports(List<Future<Void>> reports) {
    for (Future<Void> f : reports) {
      try {
        f.get(putTimeoutMs, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new RetriableException("Interrupted while reporting an errant record", e);
      } catch (ExecutionException | TimeoutException e) {
        throw new RetriableException("Reporting an errant record to the dead-letter queue failed", e);
      }
    }
  }

  /**
   * Only offsets of records that CMQ stored (or that went to the error handling): the offsets Connect
   * offers, capped per partition at what {@code put} completed.
   *
   * @param currentOffsets the offsets Connect would commit
   * @return the offsets to commit
   */
  @Override
  public Map<TopicPartition, OffsetAndMetadata> preCommit(Map<TopicPartition, OffsetAndMetadata> currentOffsets) {
    Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
    currentOffsets.forEach((tp, offered) -> {
      Long done = committable.get(tp);
      if (done != null) {
        out.put(tp, new OffsetAndMetadata(Math.min(done, offered.offset()), offered.metadata()));
      }
    });
    return out;
  }

  @Override
  public void close(Collection<TopicPartition> partitions) {
    partitions.forEach(committable::remove);
    stored.clear();
  }

  @Override
  public void stop() {
    if (sink != null) {
      sink.close();
      client.close();
      log.info("CMQ sink task stopped; {} record(s) skipped under errors.tolerance=all", skipped);
    }
  }
}
