/**
 * What sink authors need: the {@link dev.iotforwarder.spi.Sink} interface and helpers for sinks
 * with batch APIs.
 */
package dev.iotforwarder.spi;
