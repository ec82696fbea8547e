/**
 * iot-forwarder core: the {@link dev.iotforwarder.DeviceMessage} model, the envelope and payload
 * codecs, the {@code Forwarder} pipeline and the sink SPI.
 *
 * <p>Only the API packages are exported; {@code dev.iotforwarder.internal} is not, and {@code
 * dev.iotforwarder.internal.shared} only to the project's own modules.
 */
@SuppressWarnings("module") // the qualified export names modules that are not built before core
module dev.iotforwarder.core {
  requires transitive com.fasterxml.jackson.core;
  requires org.slf4j;

  exports dev.iotforwarder;
  exports dev.iotforwarder.spi;
  exports dev.iotforwarder.testing;
  // Builder validation and the intrusive list, for the project's own modules only: not public API.
  exports dev.iotforwarder.internal.shared to
      dev.iotforwarder.cmq,
      dev.iotforwarder.ckafka,
      dev.iotforwarder.testkit,
      dev.iotforwarder.micrometer;
  // The spool's file format, for the operator tool only (it reads spools): not public API.
  exports dev.iotforwarder.internal.spool to
      dev.iotforwarder.cli;
}
