package com.example;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.EnvelopeCodec;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@DisplayName("The simulated fleet")
class FleetTest {

  @ParameterizedTest(name = "{0} devices, {1} messages")
  @CsvSource({"1, 2", "3, 7", "50, 2000", "1000, 20000", "200, 150"})
  @DisplayName("sends exactly the planned number of messages, each device Online first, Offline last,"
      + " alternating, reporting only while online, with seqs 1, 2, 3...")
  void sessionsAreWellFormed(int devices, int messages) {
    Fleet fleet = Fleet.plan(devices, messages, 42);
    int[] next = new int[devices];
    boolean[] online = new boolean[devices];
    for (int i = 0; i < messages; i++) {
      DeviceMessage m = fleet.message(i);
      int d = fleet.deviceIndex(m.deviceKey());
      assertThat(d).isNotNegative();
      assertThat(m.seq()).isEqualTo(++next[d]);
      switch (fleet.kind(d, m.seq())) {
        case ONLINE -> {
          assertThat(online[d]).as("Online while online").isFalse();
          assertThat(m.event()).isEqualTo("Online");
          online[d] = true;
        }
        case OFFLINE -> {
          assertThat(online[d]).as("Offline while offline").isTrue();
          assertThat(m.event()).isEqualTo("Offline");
          online[d] = false;
        }
        case TELEMETRY -> {
          assertThat(online[d]).as("telemetry while offline").isTrue();
          assertThat(m.topic()).endsWith("/data");
        }
        case ALARM -> {
          assertThat(online[d]).as("alarm while offline").isTrue();
          assertThat(m.topic()).endsWith("/alarm");
        }
      }
    }
    for (int d = 0; d < devices; d++) {
      assertThat(online[d]).as("device %d still online at the end", d).isFalse();
      assertThat(fleet.seqCount(d)).isEqualTo(next[d]);
    }
    assertThat(fleet.count(Fleet.Kind.values())).isEqualTo(messages);
    assertThat(fleet.count(Fleet.Kind.ONLINE)).isEqualTo(fleet.count(Fleet.Kind.OFFLINE));
  }

  @Test
  @DisplayName("builds the same bytes for a message every time, and the same plan from the same seed")
  void isDeterministic() {
    Fleet a = Fleet.plan(100, 5000, 7);
    Fleet b = Fleet.plan(100, 5000, 7);
    EnvelopeCodec codec = EnvelopeCodec.standard();
    for (int i = 0; i < 5000; i++) {
      assertThat(codec.encode(b.message(i))).isEqualTo(codec.encode(a.message(i)));
    }
    assertThat(Fleet.plan(100, 5000, 8).message(4999)).isNotEqualTo(a.message(4999));
  }

  @Test
  @DisplayName("looks like a real fleet: three products, device ids above 2^53, JSON payloads, a few"
      + " per cent Status messages and alarms")
  void looksReal() {
    Fleet fleet = Fleet.plan(1000, 200_000, DemoOptions.DEFAULTS.seed());
    Set<String> products = new HashSet<>();
    for (int i = 0; i < 1000; i++) {
      DeviceMessage m = fleet.message(i);
      products.add(m.productName());
      assertThat(new BigInteger(m.deviceId())).isGreaterThan(BigInteger.TWO.pow(53));
      if (!m.isStatus()) {
        assertThat(new String(m.payload(), StandardCharsets.UTF_8)).startsWith("{\"ts\":").endsWith("}");
        assertThat(m.payloadLen()).isBetween(60, 200);
      }
    }
    assertThat(products).containsExactlyInAnyOrderElementsOf(Fleet.PRODUCTS);
    long status = fleet.count(Fleet.Kind.ONLINE, Fleet.Kind.OFFLINE);
    long alarms = fleet.count(Fleet.Kind.ALARM);
    assertThat(status).isBetween(2_000L, 10_000L);
    assertThat(alarms).isBetween(1_000L, 4_000L);
  }

  @Test
  @DisplayName("writes decimals with exactly the asked number of places, negatives included")
  void decimals() {
    assertThat(Fleet.decimal(-182, 1)).isEqualTo("-18.2");
    assertThat(Fleet.decimal(5, 2)).isEqualTo("0.05");
    assertThat(Fleet.decimal(22_540_001, 6)).isEqualTo("22.540001");
    assertThat(Fleet.decimal(-3, 1)).isEqualTo("-0.3");
  }
}
