package dev.iotforwarder.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotforwarder.ForwardResult;
import dev.iotforwarder.Forwarder;
import dev.iotforwarder.MessageFilter;
import dev.iotforwarder.StatusEvent;
import dev.iotforwarder.testing.RecordingSink;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ForwarderSmokeTest {
  @Test
  void deliversToTheRoutedSinksAndFiltersTheRest() throws Exception {
    RecordingSink all = new RecordingSink("all");
    RecordingSink status = new RecordingSink("status");
    try (Forwarder f = Forwarder.builder()
        .route(all)
        .route(MessageFilter.statusOnly(), status)
        .build()) {
      ForwardResult r1 = f.forward(Fixtures.publish(1, 1)).get(10, TimeUnit.SECONDS);
      ForwardResult r2 = f.forward(Fixtures.status(1, 2, StatusEvent.ONLINE)).get(10, TimeUnit.SECONDS);
      assertThat(r1.status()).isEqualTo(ForwardResult.Status.DELIVERED);
      assertThat(r1.sinks()).containsExactly("all");
      assertThat(r2.sinks()).containsExactlyInAnyOrder("all", "status");
      assertThat(all.count()).isEqualTo(2);
      assertThat(status.count()).isEqualTo(1);
      assertThat(f.flush(Duration.ofSeconds(5))).isTrue();
      assertThat(f.stats().balanced()).isTrue();
      assertThat(f.stats().sink("status").filtered()).isEqualTo(1);
    }
    assertThat(all.isClosed()).isTrue();
  }
}
