package dev.iotforwarder.streams.internal;

import dev.iotforwarder.streams.DevicePresence;

/**
 * One accepted change of a device's presence, between the presence processor and the count deltas;
 * never serialized.
 *
 * @param previous the state before, or {@code null} for a device seen for the first time
 * @param current the state after
 */
public record PresenceUpdate(DevicePresence previous, DevicePresence current) {}
