/**
 * The iot-forwarder API: the device message model ({@link dev.iotforwarder.DeviceMessage},
 * {@link dev.iotforwarder.MessageType}, {@link dev.iotforwarder.StatusEvent}), the wire codecs
 * ({@link dev.iotforwarder.EnvelopeCodec}, {@link dev.iotforwarder.PayloadCodec}) and the exception
 * hierarchy rooted at {@link dev.iotforwarder.ForwardingException}.
 *
 * <p>Unless a type says otherwise, values are immutable and thread-safe, builders are not
 * thread-safe, and {@code null} is rejected wherever a value is expected.
 */
package dev.iotforwarder;
