/**
 * iot-forwarder sink-cmq: forwards device messages to Tencent CMQ / TDMQ for CMQ over its signed
 * HTTP data-flow API, and reads them back.
 *
 * <p>Only {@code dev.iotforwarder.cmq} is exported; {@code dev.iotforwarder.cmq.internal} is not.
 */
module dev.iotforwarder.cmq {
  requires transitive dev.iotforwarder.core;
  requires transitive okhttp3;
  requires com.fasterxml.jackson.core;
  requires org.slf4j;

  exports dev.iotforwarder.cmq;
}
