/**
 * iot-forwarder streams: Kafka Streams building blocks for the backend that reads the forwarded
 * device messages. {@link dev.iotforwarder.streams.DeviceSerdes} (serdes for the envelope and the
 * presence values), {@link dev.iotforwarder.streams.DevicePresenceTopology} (each device's current
 * state and per-product online counts, where a late message never overwrites a newer one), {@link
 * dev.iotforwarder.streams.PresenceQueries} (interactive queries over those stores), {@link
 * dev.iotforwarder.streams.ClusterPresenceQueries} (the same queries across instances, over the host's
 * RPC or the optional {@link dev.iotforwarder.streams.PresenceHttpServer}), {@link
 * dev.iotforwarder.streams.DeviceDeduplication} (drops repeats of a (DeviceId, Seq) pair) and {@link
 * dev.iotforwarder.streams.DeviceGapDetection} (reports Seqs missing per device).
 *
 * <p>Only {@code dev.iotforwarder.streams} is exported. {@code kafka.streams} is the automatic module
 * of the {@code kafka-streams} jar.
 */
module dev.iotforwarder.streams {
  requires transitive dev.iotforwarder.ckafka;
  requires transitive kafka.streams;
  requires java.net.http;
  requires jdk.httpserver;
  requires org.slf4j;

  exports dev.iotforwarder.streams;
}
