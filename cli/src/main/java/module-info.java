/**
 * iot-forwarder cli: the operator tool, run as {@code java -jar iot-forwarder-cli-VERSION.jar}. It
 * reads spool directories through core's internal spool package (exported to this module only) and
 * replays dead-letter files through the library's own {@code Forwarder} and sinks. It has no API.
 */
module dev.iotforwarder.cli {
  requires dev.iotforwarder.core;
  requires dev.iotforwarder.cmq;
  requires dev.iotforwarder.ckafka;
  requires info.picocli;

  opens dev.iotforwarder.cli to info.picocli;
}
