package dev.iotforwarder.ckafka.internal;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.ckafka.CkafkaSink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a sink does with the producer's report on each record: maps a failure to the library's
 * exceptions ({@link KafkaErrors}), tracks whether the credentials work, completes the record's future
 * and then takes the record off the {@link PendingDeliveries}.
 *
 * <p>Threads: {@link #finish} runs on the thread that reports the outcome, usually the producer's I/O
 * thread, and completes the future right there: whatever the future's non-async dependents do runs on
 * that thread (under a {@code Forwarder}: one queue offer to the lane). The future completes before
 * the record leaves the pending list, so that {@code flush} and {@code close}, which read the list,
 * never miss a record whose future is not complete yet. The only shared state is the volatile
 * credential failure and the pending list, which has its own lock.
 */
public final class Outcomes {
  private static final Logger log = LoggerFactory.getLogger(CkafkaSink.class);

  private final String sink;
  private final String secret;
  private final PendingDeliveries pending;
  private volatile Throwable credentialFailure;

  /**
   * The outcomes of one sink.
   *
   * @param sink the sink's name, for errors and logs
   * @param secret a secret to keep out of errors and logs, may be {@code null}
   * @param pending the sink's pending list
   */
  public Outcomes(String sink, String secret, PendingDeliveries pending) {
    this.sink = sink;
    this.secret = secret;
    this.pending = pending;
  }

  /**
   * Starts the delivery of one record: its future, its callback, its place in the pending list.
   *
   * @param message the message
   * @param topic the record's topic
   * @return the delivery, to hand to {@code producer.send} as the callback
   */
  public Delivery begin(DeviceMessage message, String topic) {
    Delivery d = new Delivery(this, message, topic);
    pending.add(d);
    return d;
  }

  /** Completes the delivery's future with the producer's outcome, then unlinks it. Never throws. */
  void finish(Delivery d, Throwable exception, boolean beforeEnqueue) {
    try {
      if (exception == null) {
        if (credentialFailure != null) {
          credentialFailure = null;
        }
        d.future.complete(null);
      } else {
        noteFailure(exception);
        d.future.completeExceptionally(
            KafkaErrors.map(exception, sink, d.topic, d.message, beforeEnqueue, secret));
      }
    } catch (RuntimeException | Error e) {
      log.error("CKafka sink '{}': completing a send failed", sink, e);
      d.future.completeExceptionally(e);
    } finally {
      pending.remove(d);
    }
  }

  private void noteFailure(Throwable exception) {
    if (KafkaErrors.isCredentialFailure(exception) && credentialFailure == null) {
      credentialFailure = exception;
      log.warn("CKafka sink '{}' cannot deliver until its credentials or ACLs are fixed: {}",
          sink, Redaction.redact(String.valueOf(exception.getMessage()), secret));
    }
  }

  /**
   * Whether the last failure was of the credentials or ACLs, with no success since.
   *
   * @return {@code true} while the sink cannot deliver until a human fixes its configuration
   */
  public boolean credentialsFailing() {
    return credentialFailure != null;
  }
}
