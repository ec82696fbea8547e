/**
 * Kafka Connect connectors for Tencent CMQ: {@link dev.iotforwarder.connect.CmqSourceConnector} (CMQ
 * queues to a Kafka topic) and {@link dev.iotforwarder.connect.CmqSinkConnector} (Kafka topics to a
 * CMQ queue or topic), their configurations and the {@link dev.iotforwarder.connect.EnvelopeSchema}
 * for converters that want a schema. Install and configure them as {@code docs/connect.md} says.
 */
package dev.iotforwarder.connect;
