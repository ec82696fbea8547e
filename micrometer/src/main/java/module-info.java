/**
 * iot-forwarder micrometer: a Micrometer {@code MeterBinder} for a forwarder and a timer of the
 * time from {@code forward()} to each sink's acknowledgement.
 */
module dev.iotforwarder.micrometer {
  requires transitive dev.iotforwarder.core;
  requires transitive micrometer.core;

  exports dev.iotforwarder.micrometer;
}
