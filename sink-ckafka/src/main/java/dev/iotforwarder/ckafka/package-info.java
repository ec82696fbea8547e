/**
 * Forwarding to Tencent CKafka and any Kafka cluster: {@link dev.iotforwarder.ckafka.CkafkaSink} (with
 * the CKafka SASL helpers on its builder), {@link dev.iotforwarder.ckafka.KeyStrategy} for record keys,
 * and the Kafka {@link dev.iotforwarder.ckafka.DeviceMessageSerializer} and {@link
 * dev.iotforwarder.ckafka.DeviceMessageDeserializer} for the JSON envelope.
 *
 * <p>Works with {@code kafka-clients} 4.x (brokers 2.1 and newer) and 3.9.x (older CKafka
 * instances): the sink uses only producer API present in both.
 */
package dev.iotforwarder.ckafka;
