package dev.iotforwarder.internal;

import java.util.Arrays;

/**
 * A lane's dispatcher thread ({@code iot-forwarder-<sink>-1}): waits until the lane has ready
 * messages and room in flight, takes them under the lane's lock (up to {@link Lane#CHUNK} single
 * sends, or one due batch of a {@link dev.iotforwarder.spi.BatchSink}), and hands them to the sink
 * after releasing the lock ({@link SinkCalls}).
 *
 * <p>Invariants: the only thread that moves entries from ready to in flight; it holds the lane's
 * lock only while it takes entries, never while it calls the sink. A batch that is not due yet
 * (lingering) makes it wait on the lane's {@code work} condition until the batch's linger ends or
 * something changes (a message, an answer, a flush, close). While the sink is probing ({@link
 * SinkHealth}) it sends one message at a time and waits for the probe's time. It ends once the lane
 * is stopped.
 */
final class Dispatcher implements Runnable {
  private final Lane lane;

  Dispatcher(Lane lane) {
    this.lane = lane;
  }

  @Override
  public void run() {
    int most = lane.batchSink == null ? Lane.CHUNK : lane.batchLimits.maxCount();
    Entry[] taken = new Entry[most];
    int[] tokens = new int[Lane.CHUNK];
    while (true) {
      int n;
      Batch batch = null;
      lane.lock.lock();
      try {
        n = awaitSendable(taken);
        if (n < 0) {
          return;
        }
        long deadline = System.nanoTime() + lane.sendTimeoutNanos;
        if (lane.batchSink != null) {
          batch = new Batch(lane, Arrays.copyOf(taken, n), new int[n]);
          lane.buffer.batchesOut++;
        }
        for (int i = 0; i < n; i++) {
          lane.buffer.startSend(taken[i], deadline, batch);
          (batch == null ? tokens : batch.tokens)[i] = taken[i].token;
        }
      } finally {
        lane.lock.unlock();
      }
      if (batch != null) {
        SinkCalls.sendBatch(lane, lane.batchSink, batch);
        Arrays.fill(taken, 0, n, null);
        continue;
      }
      for (int i = 0; i < n; i++) {
        SinkCalls.send(lane, taken[i], tokens[i]);
        taken[i] = null;
      }
    }
  }

  /**
   * Under the lane's lock: waits until something may be sent and takes it into {@code taken}: up to
   * {@link Lane#CHUNK} single sends, or one due batch.
   *
   * @return how many entries were taken, or -1 once the lane stopped
   */
  private int awaitSendable(Entry[] taken) {
    while (!lane.stopped) {
      int room = lane.options.maxInFlight() - lane.buffer.sending;
      long waitNanos = -1; // until signalled
      long now = System.nanoTime();
      if (lane.gatedByHealth && lane.health.probing()) { // one probe at a time (SinkHealth)
        room = lane.health.sendable(room, lane.buffer.sending, now);
        if (room == 0 && !lane.buffer.ready.isEmpty()) {
          waitNanos = lane.health.nanosToProbe(now);
        }
      }
      if (room > 0 && !lane.buffer.ready.isEmpty()) {
        if (lane.buffer.ready instanceof ReadyQueue.Fifo fifo) {
          int n = 0;
          while (n < taken.length && n < room && !fifo.isEmpty()) {
            taken[n++] = fifo.poll();
          }
          if (lane.gatedByHealth) {
            lane.health.probeSent();
          }
          return n;
        }
        if (lane.buffer.batchesOut < lane.batchLimits.maxInFlight()) {
          BatchReady batches = (BatchReady) lane.buffer.ready;
          int n = batches.poll(taken, room, now, lane.flushing > 0 || lane.closing);
          if (n > 0) {
            if (lane.gatedByHealth) {
              lane.health.probeSent();
            }
            return n;
          }
          waitNanos = Math.max(1, batches.nextDue() - now); // the oldest batch is lingering
        }
      }
      if (waitNanos < 0) {
        lane.work.awaitUninterruptibly();
      } else {
        try {
          lane.work.awaitNanos(waitNanos);
        } catch (InterruptedException ignored) {
          // only stopping the lane ends the dispatcher
        }
      }
    }
    return -1;
  }
}
