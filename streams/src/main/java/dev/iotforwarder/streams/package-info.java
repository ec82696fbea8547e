/**
 * Kafka Streams for the backend: serdes, device presence, its queries, and deduplication by ({@code
 * DeviceId}, {@code Seq}). Start with {@link dev.iotforwarder.streams.DevicePresenceTopology}.
 */
package dev.iotforwarder.streams;
