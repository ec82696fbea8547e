package dev.iotforwarder.ckafka.internal;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.ForwardingException;
import dev.iotforwarder.PermanentForwardingException;
import dev.iotforwarder.RetriableForwardingException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnknownProducerIdException;
import org.apache.kafka.common.errors.UnsupportedVersionException;

/**
 * Maps what the Kafka producer reports to the library's exceptions. The table is documented on
 * {@code CkafkaSink}; only classes present in kafka-clients 3.9 and 4.x are used.
 */
public final class KafkaErrors {
  private KafkaErrors() {}

  /** Whether the failure means the sink cannot deliver anything until its configuration changes. */
  public static boolean isCredentialFailure(Throwable e) {
    return e instanceof AuthenticationException || e instanceof AuthorizationException;
  }

  /**
   * Maps one failed send.
   *
   * @param e what the producer reported (callback or thrown)
   * @param sink the sink name
   * @param topic the record's topic
   * @param m the message (only its device and seq go into the text)
   * @param beforeEnqueue whether the failure came before the record entered the producer's buffer
   * @param secret a secret to keep out of the message and cause, may be {@code null}
   */
  public static ForwardingException map(
      Throwable e, String sink, String topic, DeviceMessage m, boolean beforeEnqueue, String secret) {
    String where = " (sink '" + sink + "', topic " + topic + ", device " + m.deviceKey()
        + ", seq " + m.seq() + ")";
    Throwable cause = Redaction.redact(e, secret);
    String detail = Redaction.redact(String.valueOf(e.getMessage()), secret);
    if (e instanceof TopicCheck.Missing) {
      return new PermanentForwardingException("Topic " + topic + " does not exist: the cluster says so, and the"
          + " sink does not create topics; create it or route the message elsewhere" + where, sink, cause);
    }
    if (e instanceof AuthenticationException) {
      return new PermanentForwardingException(
          "Kafka authentication failed: " + detail + where, sink, cause);
    }
    if (e instanceof AuthorizationException) {
      return new PermanentForwardingException(
          "Kafka authorization failed: " + detail + where, sink, cause);
    }
    if (e instanceof RecordTooLargeException || e instanceof RecordBatchTooLargeException) {
      return new PermanentForwardingException(
          "Message too large for Kafka (producer max.request.size or broker/topic message.max.bytes): "
              + detail + where, sink, cause);
    }
    if (e instanceof InvalidTopicException) {
      return new PermanentForwardingException("Invalid Kafka topic: " + detail + where, sink, cause);
    }
    if (e instanceof UnsupportedVersionException) {
      return new PermanentForwardingException(
          "The Kafka broker does not support a request this client needs (a broker older than 2.1"
              + " needs kafka-clients 3.9): " + detail + where, sink, cause);
    }
    if (e instanceof SerializationException) {
      return new PermanentForwardingException("Could not serialize the record: " + detail + where, sink, cause);
    }
    if (e instanceof TimeoutException) {
      // Retriable, and final for this sink: the producer has already retried within its timeouts.
      return new RetriableForwardingException(beforeEnqueue
          ? "Not sent: the producer did not take the record within max.block.ms, tried again until"
              + " delivery.timeout.ms ran out (no metadata for the topic or no buffer space: broker"
              + " unreachable, topic missing, or producer buffer full): " + detail + where
          : "Delivery failed: Kafka did not acknowledge the record within delivery.timeout.ms, after the"
              + " producer's own retries; the record may or may not have been written: " + detail + where,
          sink, cause);
    }
    if (e instanceof RetriableException
        || e instanceof OutOfOrderSequenceException
        || e instanceof UnknownProducerIdException
        || e instanceof InvalidProducerEpochException) {
      return new RetriableForwardingException("Kafka send failed: " + detail + where, sink, cause);
    }
    if (e instanceof ApiException) {
      // Kafka classifies it as not retriable: the same record would fail again.
      return new PermanentForwardingException("Kafka rejected the record: " + detail + where, sink, cause);
    }
    if (e instanceof KafkaException || e instanceof IllegalStateException) {
      // The producer was closed or failed as a whole: nothing about this record is wrong.
      return new RetriableForwardingException("Kafka producer failed: " + detail + where, sink, cause);
    }
    return new RetriableForwardingException(
        "Kafka send failed: " + Redaction.redact(e.toString(), secret) + where, sink, cause);
  }
}
