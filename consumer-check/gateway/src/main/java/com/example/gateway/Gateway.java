package com.example.gateway;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.Forwarder;
import dev.iotforwarder.MessageFilter;
import dev.iotforwarder.ckafka.CkafkaSink;
import dev.iotforwarder.cmq.CmqClient;
import dev.iotforwarder.cmq.CmqCredentials;
import dev.iotforwarder.cmq.CmqEndpoint;
import dev.iotforwarder.cmq.CmqSink;
import dev.iotforwarder.micrometer.ForwarderMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.CompletableFuture;

/**
 * What a user's gateway writes, compiled against the published artifacts only: every message to
 * CKafka, Status messages also to a CMQ queue, the forwarder's meters in the host's registry.
 */
public final class Gateway implements AutoCloseable {
  private final CmqClient cmq;
  private final Forwarder forwarder;
  private final ForwarderMetrics metrics;

  /**
   * Starts forwarding.
   *
   * @param bootstrapServers the Kafka brokers
   * @param topic the Kafka topic for every message
   * @param cmqUrl the CMQ endpoint
   * @param secretId the CMQ SecretId
   * @param secretKey the CMQ SecretKey
   * @param queue the CMQ queue for Status messages
   * @param registry where the forwarder's meters go
   */
  public Gateway(String bootstrapServers, String topic, String cmqUrl, String secretId, String secretKey,
      String queue, MeterRegistry registry) {
    cmq = CmqClient.builder()
        .endpoint(CmqEndpoint.of(cmqUrl))
        .credentials(CmqCredentials.of(secretId, secretKey))
        .build();
    forwarder = Forwarder.builder()
        .route(CkafkaSink.builder().bootstrapServers(bootstrapServers).topic(topic).build())
        .route(MessageFilter.statusOnly(), CmqSink.builder().client(cmq).queue(queue).build())
        .build();
    metrics = ForwarderMetrics.of(forwarder);
    metrics.bindTo(registry);
  }

  /**
   * Forwards one message.
   *
   * @param message the message
   * @return completes when every sink it was routed to acknowledged it
   */
  public CompletableFuture<?> forward(DeviceMessage message) {
    return forwarder.forward(message);
  }

  @Override
  public void close() {
    metrics.close();
    forwarder.close();
    cmq.close();
  }
}
