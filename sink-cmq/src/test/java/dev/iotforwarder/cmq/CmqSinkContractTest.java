package dev.iotforwarder.cmq;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.EnvelopeCodec;
import dev.iotforwarder.spi.Sink;
import dev.iotforwarder.testkit.CmqFault;
import dev.iotforwarder.testkit.LocalCmq;
import dev.iotforwarder.testkit.SinkContract;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/** CmqSink passes the sink contract kit against LocalCmq, one fresh queue per test. */
class CmqSinkContractTest extends SinkContract {
  private static final AtomicInteger QUEUES = new AtomicInteger();
  private static LocalCmq cmq;
  private static CmqClient client;
  private String queue;
  private CmqClient wrongKey;

  @BeforeAll
  static void startCmq() {
    cmq = LocalCmq.start();
    client = CmqClient.builder().endpoint(CmqEndpoint.of(cmq.url()))
        .credentials(CmqCredentials.of(cmq.secretId(), cmq.secretKey())).build();
  }

  @AfterAll
  static void stopCmq() {
    client.close();
    cmq.close();
  }

  @Override
  protected Sink newSink() {
    queue = "contract-" + QUEUES.incrementAndGet();
    cmq.createQueue(queue);
    return CmqSink.builder()
        .client(client)
        .queue(queue)
        .linger(Duration.ofMillis(2))
        .build();
  }

  /**
   * Made to fail: LocalCmq answers every request with HTTP 503 (retriable), or the client signs
   * with a wrong key (code 4100, permanent).
   */
  @Override
  protected Sink newFailingSink(Failure failure) {
    Sink base = newSink();
    base.close();
    if (failure == Failure.RETRIABLE) {
      cmq.faultRate(1.0, 1L, List.of(), CmqFault.httpStatus(503));
      return CmqSink.builder().client(client).queue(queue).linger(Duration.ofMillis(2)).build();
    }
    wrongKey = CmqClient.builder().endpoint(CmqEndpoint.of(cmq.url()))
        .credentials(CmqCredentials.of(cmq.secretId(), "wrong" + cmq.secretKey())).build();
    return CmqSink.builder().client(wrongKey).queue(queue).linger(Duration.ofMillis(2)).build();
  }

  @AfterEach
  void clearFaults() {
    cmq.clearFaults();
    if (wrongKey != null) {
      wrongKey.close();
      wrongKey = null;
    }
  }

  @Override
  protected List<DeviceMessage> received() {
    List<DeviceMessage> out = new ArrayList<>();
    for (String body : cmq.bodies(queue)) {
      out.add(EnvelopeCodec.standard().decode(body.getBytes(StandardCharsets.UTF_8)));
    }
    return out;
  }
}
