/**
 * Micrometer meters for a {@link dev.iotforwarder.Forwarder}: {@link
 * dev.iotforwarder.micrometer.ForwarderMetrics} binds counters and gauges read from the
 * forwarder's own stats snapshot, {@link dev.iotforwarder.micrometer.DeliveryTimer} times each
 * delivery from {@code forward()} to the sink's acknowledgement.
 */
package dev.iotforwarder.micrometer;
