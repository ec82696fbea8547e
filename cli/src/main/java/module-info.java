/**
 * iot-forwarder cli: the operator tool, run as {@code java -jar iot-forwarder-cli-VERSION.jar}. It
 * reads spool directories through core's internal spool package (exported to this module only) and
 * replays dead-letter files through the library's own {@code Forwarder} and sinks. Its one exported
 * package holds the entry point, {@code Main}, and the exit codes; it is no library API.
 */
module dev.iotforwarder.cli {
  requires dev.iotforwarder.core;
  requires dev.iotforwarder.cmq;
  requires dev.iotforwarder.ckafka;
  requires info.picocli;

  exports dev.iotforwarder.cli;
  opens dev.iotforwarder.cli to info.picocli;
}
