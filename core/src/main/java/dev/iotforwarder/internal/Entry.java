package dev.iotforwarder.internal;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.internal.shared.IntrusiveList;

/**
 * One message on its way through one lane.
 *
 * <p>Invariants: the final fields are set by the thread that creates the entry (a caller of {@code
 * forward}, the spool's feeder, or a completer failing over); {@link #batchKey} is set once by
 * {@link Lane#offer} or {@link Lane#offerFromSpool} before the lane's lock is taken; every other
 * field, and the {@link IntrusiveList} links, are guarded by the lane's lock. An entry is in exactly
 * one of the lane's places, named by {@link #state}: a ready queue ({@link #QUEUED}), its device's
 * waiting queue ({@link #WAITING}), the in-flight list ({@link #SENDING}), the backoff set ({@link
 * #BACKOFF}), or none ({@link #DONE}).
 */
final class Entry extends IntrusiveList.Node<Entry> {
  static final int QUEUED = 0;
  static final int WAITING = 1;
  static final int SENDING = 2;
  static final int BACKOFF = 3;
  static final int DONE = 4;

  final DeviceMessage message;
  final Delivery delivery;
  /** The held size, {@link Pipeline#estimateBytes}: the envelope and the heap that holds it. */
  final long bytes;
  final boolean status;
  /** The failover lane to try when this lane fails the message for good; null if none. */
  final Lane backup;
  /** The key of the batches this entry may join; null when the lane's sink does not batch. */
  Object batchKey;
  /** The device key, for ordering; null when the lane does not order. */
  String device;
  long seqNo;

  int state;
  int attempts;
  /** The failure of the last send that was retried, or null: the cause of a close error. */
  Throwable lastError;
  /** Counts the sends of this entry, so that an answer to an earlier send is told apart. */
  int token;
  /** When the current send times out, in {@link System#nanoTime()}. */
  long deadline;
  /** When the entry last became ready, in {@link System#nanoTime()}; starts a batch's linger. */
  long readyNanos;
  boolean timedOut;
  /** The batch the current send belongs to; null for a single send or once answered. */
  Batch batch;

  Entry(DeviceMessage message, Delivery delivery, long bytes, Lane backup) {
    this.message = message;
    this.delivery = delivery;
    this.bytes = bytes;
    this.status = message.isStatus();
    this.backup = backup;
  }

  /** The envelope's estimated size, without the heap part: what a batch's byte limit counts. */
  long envelopeBytes() {
    return bytes - Pipeline.HEAP_BYTES;
  }

  String describe() {
    return Pipeline.describe(message);
  }
}
