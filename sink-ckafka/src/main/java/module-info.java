/**
 * iot-forwarder sink-ckafka: {@link dev.iotforwarder.ckafka.CkafkaSink} forwards device messages to
 * Tencent CKafka or any Kafka cluster through the Apache Kafka producer, and {@link
 * dev.iotforwarder.ckafka.DeviceMessageSerializer} / {@link
 * dev.iotforwarder.ckafka.DeviceMessageDeserializer} let plain Kafka clients use the envelope.
 *
 * <p>Only {@code dev.iotforwarder.ckafka} is exported; {@code dev.iotforwarder.ckafka.internal} is
 * not. {@code kafka.clients} is the automatic module of the {@code kafka-clients} jar (3.9 or 4.x).
 */
module dev.iotforwarder.ckafka {
  requires transitive dev.iotforwarder.core;
  requires transitive kafka.clients;
  requires org.slf4j;

  exports dev.iotforwarder.ckafka;
}
