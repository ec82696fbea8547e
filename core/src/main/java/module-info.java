/**
 * iot-forwarder core: the {@link dev.iotforwarder.DeviceMessage} model, the envelope and payload
 * codecs, the {@code Forwarder} pipeline and the sink SPI.
 *
 * <p>Only the API packages are exported; {@code dev.iotforwarder.internal} is not.
 */
module dev.iotforwarder.core {
  requires transitive com.fasterxml.jackson.core;
  requires org.slf4j;

  exports dev.iotforwarder;
  exports dev.iotforwarder.spi;
  exports dev.iotforwarder.testing;
}
