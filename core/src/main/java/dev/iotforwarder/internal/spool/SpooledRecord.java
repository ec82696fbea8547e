package dev.iotforwarder.internal.spool;

import dev.iotforwarder.DeviceMessage;
import java.util.List;

/**
 * One record read back from a segment.
 *
 * @param seq the record's sequence number in the spool (not the message's {@code Seq})
 * @param message the message, with its receive time ({@link DeviceMessage#receivedAtMillis()})
 * @param sinks the names of the sinks it was routed to
 * @param backups for each sink, the failover backup's name, or an empty string
 * @param offset where the record starts in its segment
 * @param end where the next record starts
 */
public record SpooledRecord(
    long seq,
    DeviceMessage message,
    List<String> sinks,
    List<String> backups,
    long offset,
    long end) {}
