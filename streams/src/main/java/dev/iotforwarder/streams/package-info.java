/**
 * Kafka Streams for the backend: serdes, device presence, its queries (on one instance or across
 * instances), deduplication by ({@code DeviceId}, {@code Seq}) and gap detection. Start with {@link dev.iotforwarder.streams.DevicePresenceTopology}.
 */
package dev.iotforwarder.streams;
