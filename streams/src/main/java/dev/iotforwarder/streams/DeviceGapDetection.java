package dev.iotforwarder.streams;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.streams.internal.GapProcessor;
import dev.iotforwarder.streams.internal.GapState;
import java.time.Duration;
import java.util.Objects;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.state.Stores;

/**
 * Gap detection for any topology: {@code Seq}s missing from a device's messages, reported as a stream
 * of {@link SeqGap}s, for a backend that must know a message is missing.
 *
 * <pre>{@code
 * KStream<String, DeviceMessage> once = DeviceDeduplication.apply(builder, messages,
 *     "telemetry-dedup", 1024, Duration.ofHours(1));
 * DeviceGapDetection.apply(builder, once, "telemetry-gaps", Duration.ofMinutes(1), 64)
 *     .to("telemetry-gaps", Produced.with(Serdes.String(), DeviceSerdes.seqGap()));
 * }</pre>
 *
 * <p><b>Rule.</b> Per device it keeps the highest {@code Seq} and the time of the message that set
 * it. A message whose Seq jumps past the next one opens a gap for the Seqs skipped; a Seq that arrives
 * later fills its place (a gap shrinks or splits). A gap still open {@code grace} after it opened is
 * reported once, keyed by {@code DeviceId}, and forgotten. A message older (in record time) than the
 * newest that moved the highest Seq never opens a gap. A lower Seq that is not missing is a repeat,
 * unless it comes {@code grace} or more after the newest message: then the device restarted its Seq
 * (a reboot), and tracking starts again from it.
 *
 * <p><b>Time.</b> "After {@code grace}" is in stream time: a stream-time punctuation every half
 * {@code grace} reports what is due, so a report waits for newer records on the same partition (a
 * quiet partition reports nothing), and arrives up to {@code 1.5 * grace} after the gap opened. Each
 * punctuation reads every device's state of the task. Choose {@code grace} longer than the reorder the
 * queues introduce.
 *
 * <p><b>State and input.</b> A persistent, changelogged store (key {@code DeviceId}) holds 21 bytes per
 * device (plus the key) and 24 per open gap; at most {@code maxOpenGapsPerDevice} gaps per device stay open (beyond
 * that the oldest is reported at once). The input must be partitioned by device (as for {@link
 * DeviceDeduplication}) and should be deduplicated first.
 *
 * <p><b>Limits: what it cannot tell.</b> Seqs lost before a device's first message seen, or after its
 * last one (no later Seq shows the gap); a gap across a Seq restart (the Seqs the device lost just
 * before it rebooted); in the first {@code grace} after a quick reboot (less than {@code grace}), the
 * new session's lower Seqs are taken for repeats, so gaps there go unseen; a repeat stamped with a later
 * record time more than {@code grace} after the newest message (a replay that is not deduplicated) is
 * taken for a restart; and a message that arrives after its gap was reported does not withdraw the
 * report.
 */
public final class DeviceGapDetection {
  private DeviceGapDetection() {}

  /**
   * Adds the gap store and operator to a topology.
   *
   * @param builder the topology's builder
   * @param messages device messages, partitioned by device; {@code null} values are skipped
   * @param storeName the store's name, unique in the topology
   * @param grace how long a gap may stay open before it is reported, in stream time, positive
   * @param maxOpenGapsPerDevice the most open gaps kept per device, {@code >= 1}
   * @return the gaps, keyed by {@code DeviceId}, each reported once
   * @throws NullPointerException if an argument is {@code null}
   * @throws IllegalArgumentException if {@code storeName} is blank, {@code grace} is not positive or
   *     {@code maxOpenGapsPerDevice < 1} (all problems in one message)
   */
  public static KStream<String, SeqGap> apply(StreamsBuilder builder, KStream<?, DeviceMessage> messages,
      String storeName, Duration grace, int maxOpenGapsPerDevice) {
    Objects.requireNonNull(builder, "builder == null");
    Objects.requireNonNull(messages, "messages == null");
    Objects.requireNonNull(storeName, "storeName == null");
    Objects.requireNonNull(grace, "grace == null");
    StringBuilder problems = new StringBuilder();
    if (storeName.isBlank()) {
      problems.append("; storeName is blank");
    }
    if (grace.isZero() || grace.isNegative()) {
      problems.append("; grace must be positive, got ").append(grace);
    }
    if (maxOpenGapsPerDevice < 1) {
      problems.append("; maxOpenGapsPerDevice must be >= 1, got ").append(maxOpenGapsPerDevice);
    }
    if (problems.length() > 0) {
      throw new IllegalArgumentException("Invalid gap detection: " + problems.substring(2));
    }
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(storeName),
        Serdes.String(), Serdes.serdeFrom(GapState::serialize, GapState::deserialize)));
    long graceMillis = grace.toMillis();
    return processed(messages, storeName, graceMillis, maxOpenGapsPerDevice);
  }

  private static <K> KStream<String, SeqGap> processed(KStream<K, DeviceMessage> messages, String storeName,
      long graceMillis, int maxOpenGaps) {
    return messages.process(() -> new GapProcessor<K>(storeName, graceMillis, maxOpenGaps), storeName);
  }
}
