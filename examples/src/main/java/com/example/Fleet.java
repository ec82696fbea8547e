package com.example;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.StatusEvent;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;

/**
 * The simulated fleet: devices of three products that come online, report telemetry, raise the
 * odd alarm and drop off again.
 *
 * <p>The whole run is planned up front: which device sends the i-th message and what kind it is. A
 * device's first message is always {@code Online}, it sends telemetry and alarms only while online,
 * and every device that came online goes {@code Offline} by the end. Each device numbers its
 * messages {@code 1, 2, 3...} ({@code Seq}).
 *
 * <p>A message's content is a pure function of (seed, device, seq): {@link #message(int, long)}
 * builds the same bytes for the gateway that sends it and for the backend that checks what it
 * received, so the check is exact without keeping 200,000 envelopes in memory. Immutable once built,
 * hence safe to share between the gateway and the consumer threads.
 */
final class Fleet {

  /** What a message is. */
  enum Kind {
    ONLINE, OFFLINE, TELEMETRY, ALARM;

    boolean isStatus() {
      return this == ONLINE || this == OFFLINE;
    }
  }

  private static final Kind[] KINDS = Kind.values();

  /** A product: its name, the prefix of its device names, and the alarms its devices raise. */
  private record Product(String name, String devicePrefix, List<String> alarms) {}

  static final List<String> PRODUCTS = List.of("smart-meter", "air-quality", "cold-chain");

  private static final List<Product> CATALOG = List.of(
      new Product("smart-meter", "meter", List.of("over-voltage", "power-outage", "tamper")),
      new Product("air-quality", "aq", List.of("pm25-high", "co2-high", "sensor-fault")),
      new Product("cold-chain", "fridge", List.of("temperature-high", "door-open", "battery-low")));

  /** The topic pattern of alarms: {@code <product>/<device>/alarm}. */
  static final String ALARM_PATTERN = "+/+/alarm";

  /** 2026-01-01T00:00:00Z: the time of every device's seq 0; one report every 10 s after that. */
  private static final long EPOCH_MILLIS = 1_767_225_600_000L;
  private static final long FIRST_DEVICE_ID = 144_115_205_259_800_000L;
  private static final double DROP_CHANCE = 0.01;
  private static final double ALARM_CHANCE = 0.01;

  private final long seed;
  private final String[] deviceNames;
  private final String[] deviceIds;
  private final Map<String, Integer> byKey = new HashMap<>();
  private final long[] plan; // (device << 32) | seq, in sending order
  private final byte[][] kinds; // kinds[device][seq - 1]
  private final long[] kindCounts = new long[KINDS.length];

  private Fleet(int devices, int messages, long seed) {
    this.seed = seed;
    this.deviceNames = new String[devices];
    this.deviceIds = new String[devices];
    int width = Math.max(4, String.valueOf(devices - 1).length());
    for (int d = 0; d < devices; d++) {
      deviceNames[d] = CATALOG.get(d % CATALOG.size()).devicePrefix() + "-" + pad(d, width);
      deviceIds[d] = Long.toString(FIRST_DEVICE_ID + d);
      byKey.put(product(d).name() + "/" + deviceNames[d], d);
    }
    this.plan = new long[messages];
    byte[] kindOf = new byte[messages];
    int[] seqs = new int[devices];
    Random random = new Random(seed);
    // Devices online now, in an array with swap-remove, so a random online device is O(1).
    int[] online = new int[devices];
    int[] slot = new int[devices];
    Arrays.fill(slot, -1);
    int onlineCount = 0;
    for (int i = 0; i < messages; i++) {
      int remaining = messages - i;
      int d;
      Kind kind;
      if (onlineCount == remaining) {
        // Exactly enough messages left for every online device's Offline.
        d = online[random.nextInt(onlineCount)];
        kind = Kind.OFFLINE;
      } else if (onlineCount == remaining - 1 && onlineCount > 0) {
        // No room for another session: an online device reports.
        d = online[random.nextInt(onlineCount)];
        kind = random.nextDouble() < ALARM_CHANCE ? Kind.ALARM : Kind.TELEMETRY;
      } else {
        d = random.nextInt(devices);
        if (slot[d] < 0) {
          kind = Kind.ONLINE;
        } else {
          double p = random.nextDouble();
          kind = p < DROP_CHANCE ? Kind.OFFLINE : p < DROP_CHANCE + ALARM_CHANCE ? Kind.ALARM : Kind.TELEMETRY;
        }
      }
      if (kind == Kind.ONLINE) {
        slot[d] = onlineCount;
        online[onlineCount++] = d;
      } else if (kind == Kind.OFFLINE) {
        int s = slot[d];
        int last = online[--onlineCount];
        online[s] = last;
        slot[last] = s;
        slot[d] = -1;
      }
      plan[i] = ((long) d << 32) | ++seqs[d];
      kindOf[i] = (byte) kind.ordinal();
      kindCounts[kind.ordinal()]++;
    }
    this.kinds = new byte[devices][];
    for (int d = 0; d < devices; d++) {
      kinds[d] = new byte[seqs[d]];
    }
    for (int i = 0; i < messages; i++) {
      kinds[(int) (plan[i] >>> 32)][(int) plan[i] - 1] = kindOf[i];
    }
  }

  /**
   * Plans a run.
   *
   * @param devices how many devices, at least 1
   * @param messages how many messages, at least 2
   * @param seed the seed
   * @return the fleet
   */
  static Fleet plan(int devices, int messages, long seed) {
    if (devices < 1 || messages < 2) {
      throw new IllegalArgumentException("devices < 1 or messages < 2: " + devices + ", " + messages);
    }
    return new Fleet(devices, messages, seed);
  }

  int devices() {
    return deviceNames.length;
  }

  int messages() {
    return plan.length;
  }

  /** How many messages of these kinds the whole run sends. */
  long count(Kind... of) {
    long n = 0;
    for (Kind k : of) {
      n += kindCounts[k.ordinal()];
    }
    return n;
  }

  /** How many messages a device sends in the run. */
  int seqCount(int device) {
    return kinds[device].length;
  }

  /** The kind of a device's message, or null if the device sends no such seq. */
  Kind kind(int device, long seq) {
    if (device < 0 || device >= kinds.length || seq < 1 || seq > kinds[device].length) {
      return null;
    }
    return KINDS[kinds[device][(int) seq - 1]];
  }

  /** The index of the device with this {@code ProductName/DeviceName}, or -1. */
  int deviceIndex(String deviceKey) {
    Integer d = byKey.get(deviceKey);
    return d == null ? -1 : d;
  }

  String deviceName(int device) {
    return deviceNames[device];
  }

  /** The i-th message the gateway forwards. */
  DeviceMessage message(int index) {
    long p = plan[index];
    return message((int) (p >>> 32), (int) p);
  }

  /**
   * A device's message with this seq, exactly as it is sent.
   *
   * @throws IllegalArgumentException if the device sends no such seq
   */
  DeviceMessage message(int device, long seq) {
    Kind kind = kind(device, seq);
    if (kind == null) {
      throw new IllegalArgumentException("device " + device + " sends no seq " + seq);
    }
    Product product = product(device);
    String name = deviceNames[device];
    String id = deviceIds[device];
    return switch (kind) {
      case ONLINE -> DeviceMessage.status(product.name(), name, id, StatusEvent.ONLINE, seq);
      case OFFLINE -> DeviceMessage.status(product.name(), name, id, StatusEvent.OFFLINE, seq);
      case TELEMETRY -> DeviceMessage.publish(product.name(), name, id,
          product.name() + "/" + name + "/data", seq, telemetry(product, device, seq));
      case ALARM -> DeviceMessage.publish(product.name(), name, id,
          product.name() + "/" + name + "/alarm", seq, alarm(product, device, seq));
    };
  }

  private Product product(int device) {
    return CATALOG.get(device % CATALOG.size());
  }

  private SplittableRandom random(int device, long seq) {
    long h = seed * 0x9E3779B97F4A7C15L + device;
    h = h * 0xBF58476D1CE4E5B9L + seq;
    return new SplittableRandom(h ^ (h >>> 31));
  }

  private static long time(int device, long seq) {
    return EPOCH_MILLIS + seq * 10_000L + device % 10_000;
  }

  /** A telemetry report such as {@code {"ts":...,"voltage":229.8,"current":3.12,...}}. */
  private byte[] telemetry(Product product, int device, long seq) {
    SplittableRandom r = random(device, seq);
    StringBuilder json = new StringBuilder(160).append("{\"ts\":").append(time(device, seq));
    switch (product.name()) {
      case "smart-meter" -> {
        int volts = 2200 + r.nextInt(200); // 220.0 to 239.9 V
        int amps = 50 + r.nextInt(1500); // 0.50 to 15.49 A
        json.append(",\"voltage\":").append(decimal(volts, 1))
            .append(",\"current\":").append(decimal(amps, 2))
            .append(",\"powerW\":").append(decimal((long) volts * amps / 100, 1))
            .append(",\"energyKwh\":").append(decimal(1_000_000L * (device % 97) + seq * 417, 3))
            .append(",\"phase\":\"").append("ABC".charAt(device % 3)).append('"');
      }
      case "air-quality" -> {
        int pm25 = 3 + r.nextInt(60);
        json.append(",\"pm25\":").append(pm25)
            .append(",\"pm10\":").append(pm25 + r.nextInt(40))
            .append(",\"co2ppm\":").append(400 + r.nextInt(900))
            .append(",\"tempC\":").append(decimal(180 + r.nextInt(100), 1))
            .append(",\"humidity\":").append(25 + r.nextInt(50))
            .append(",\"room\":\"").append("floor-").append(1 + device % 12).append('"');
      }
      default -> {
        json.append(",\"tempC\":").append(decimal(-210 + r.nextInt(60), 1))
            .append(",\"doorOpen\":").append(r.nextInt(50) == 0)
            .append(",\"lat\":").append(decimal(22_500_000 + r.nextInt(100_000), 6))
            .append(",\"lon\":").append(decimal(113_900_000 + r.nextInt(300_000), 6))
            .append(",\"battery\":").append(20 + r.nextInt(81));
      }
    }
    return json.append('}').toString().getBytes(StandardCharsets.UTF_8);
  }

  /** An alarm such as {@code {"ts":...,"alarm":"door-open","severity":"major","value":...}}. */
  private byte[] alarm(Product product, int device, long seq) {
    SplittableRandom r = random(device, seq);
    String alarm = product.alarms().get(r.nextInt(product.alarms().size()));
    String severity = r.nextInt(4) == 0 ? "critical" : "major";
    return ("{\"ts\":" + time(device, seq) + ",\"alarm\":\"" + alarm + "\",\"severity\":\"" + severity
        + "\",\"value\":" + decimal(r.nextInt(10_000), 1) + ",\"firmware\":\"2.4." + device % 7 + "\"}")
        .getBytes(StandardCharsets.UTF_8);
  }

  /** {@code scaled / 10^decimals} written with exactly that many decimals, e.g. (-182, 1) is -18.2. */
  static String decimal(long scaled, int decimals) {
    long unit = 1;
    for (int i = 0; i < decimals; i++) {
      unit *= 10;
    }
    long abs = Math.abs(scaled);
    String fraction = String.valueOf(abs % unit);
    return (scaled < 0 ? "-" : "") + abs / unit + "." + "0".repeat(decimals - fraction.length()) + fraction;
  }

  private static String pad(int n, int width) {
    String s = String.valueOf(n);
    return "0".repeat(Math.max(0, width - s.length())) + s;
  }
}
