package dev.iotforwarder.cmq.internal;

import java.util.concurrent.atomic.AtomicLong;

/** The counters of a {@code CmqReceiver}, written by its poller threads, read by anyone. */
public final class ReceiverStats {
  /** Messages received, redeliveries included. */
  public final AtomicLong received = new AtomicLong();
  /** Messages the handler processed without throwing. */
  public final AtomicLong handled = new AtomicLong();
  /** Messages deleted from the queue. */
  public final AtomicLong deleted = new AtomicLong();
  /** Times the handler threw. */
  public final AtomicLong handlerFailures = new AtomicLong();
  /** Bodies that were not valid envelopes. */
  public final AtomicLong decodeFailures = new AtomicLong();
  /** Receive requests that failed. */
  public final AtomicLong receiveFailures = new AtomicLong();
  /** Handles not deleted in the end (expired, or retries used up). */
  public final AtomicLong deleteFailures = new AtomicLong();
}
