package dev.iotforwarder.cmq.internal;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.cmq.CmqMessage;
import dev.iotforwarder.cmq.CmqReceiver;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@link CmqReceiver}'s deduplication by ({@code DeviceId}, {@code Seq}): a handler that passes each
 * message to the next one unless that (device, Seq) was already handled.
 *
 * <p>Invariants. Lock: {@code this} guards {@code devices} and {@code inFlight}; the next handler
 * runs outside it, on the calling poller thread. A (device, Seq) is remembered only after a handler
 * returned normally, so a copy of a message whose handler threw is handled again. While a copy is
 * being handled on one poller, another copy on another poller throws {@link InFlightException}: it
 * stays in the queue and comes back after the visibility timeout, by then a known repeat. Memory is
 * bounded: the last {@code seqsPerDevice} Seqs of each of the {@code maxDevices} devices seen most
 * recently.
 */
public final class ReceiverDedup implements CmqReceiver.Handler {
  private final CmqReceiver.Handler next;
  private final int seqsPerDevice;
  private final Map<String, long[]> devices;
  private final Map<String, Integer> sizes = new HashMap<>();
  private final Set<String> inFlight = new HashSet<>();
  private final AtomicLong duplicates = new AtomicLong();

  /** Thrown for a copy of a message that another poller is handling right now. */
  public static final class InFlightException extends Exception {
    private static final long serialVersionUID = 1L;

    InFlightException(String what) {
      super(what + " is being handled by another poller; this copy stays in the queue", null, false, false);
    }
  }

  /**
   * A deduplicating handler.
   *
   * @param next the host's handler
   * @param seqsPerDevice the Seqs remembered per device
   * @param maxDevices the devices remembered (least recently seen forgotten first)
   */
  public ReceiverDedup(CmqReceiver.Handler next, int seqsPerDevice, int maxDevices) {
    this.next = next;
    this.seqsPerDevice = seqsPerDevice;
    this.devices = new LinkedHashMap<>(16, 0.75f, true) {
      private static final long serialVersionUID = 1L;

      @Override
      protected boolean removeEldestEntry(Map.Entry<String, long[]> eldest) {
        if (size() > maxDevices) {
          sizes.remove(eldest.getKey());
          return true;
        }
        return false;
      }
    };
  }

  /**
   * How many repeats were deleted without calling the handler.
   *
   * @return the count
   */
  public long duplicates() {
    return duplicates.get();
  }

  @Override
  public void handle(DeviceMessage message, CmqMessage raw) throws Exception {
    String device = message.deviceId();
    long seq = message.seq();
    String key = device + ':' + seq;
    synchronized (this) {
      if (seen(device, seq)) {
        duplicates.incrementAndGet();
        return; // returning normally: the repeat is deleted
      }
      if (!inFlight.add(key)) {
        throw new InFlightException("Device " + device + " seq " + seq);
      }
    }
    boolean handled = false;
    try {
      next.handle(message, raw);
      handled = true;
    } finally {
      synchronized (this) {
        inFlight.remove(key);
        if (handled) {
          remember(device, seq);
        }
      }
    }
  }

  private boolean seen(String device, long seq) {
    long[] ring = devices.get(device);
    if (ring == null) {
      return false;
    }
    int n = Math.min(sizes.get(device), seqsPerDevice);
    for (int i = 0; i < n; i++) {
      if (ring[i] == seq) {
        return true;
      }
    }
    return false;
  }

  private void remember(String device, long seq) {
    long[] ring = devices.computeIfAbsent(device, d -> new long[seqsPerDevice]);
    int count = sizes.merge(device, 1, Integer::sum);
    ring[(count - 1) % seqsPerDevice] = seq;
    if (count == 2 * seqsPerDevice) {
      sizes.put(device, seqsPerDevice); // keeps the count bounded; the ring position stays the same
    }
  }
}
