package dev.iotforwarder.internal;

import dev.iotforwarder.DeviceMessage;

/** One message on its way through one lane. Mutable; guarded by the lane's lock. */
final class Entry {
  static final int QUEUED = 0;
  static final int WAITING = 1;
  static final int SENDING = 2;
  static final int BACKOFF = 3;
  static final int DONE = 4;

  final DeviceMessage message;
  final Delivery delivery;
  final long bytes;
  final boolean status;
  /** The failover lane to try when this lane fails the message for good; null if none. */
  final Lane backup;
  /** The device key, for ordering; null when the lane does not order. */
  String device;
  long seqNo;

  int state;
  int attempts;
  int token;
  long deadline;
  boolean timedOut;
  Entry prev;
  Entry next;

  Entry(DeviceMessage message, Delivery delivery, long bytes, Lane backup) {
    this.message = message;
    this.delivery = delivery;
    this.bytes = bytes;
    this.status = message.isStatus();
    this.backup = backup;
  }

  String describe() {
    return message.msgType().wireName() + " message of " + message.deviceKey() + " seq "
        + message.seq();
  }
}
