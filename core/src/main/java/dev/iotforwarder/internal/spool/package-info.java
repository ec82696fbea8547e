/**
 * The durable spool's storage and the parts of its engine that need no lane: segment files of
 * checksummed records ({@link dev.iotforwarder.internal.spool.SegmentLog} over them), their recovery
 * after a crash ({@link dev.iotforwarder.internal.spool.SpoolRecovery}), the sync thread ({@link
 * dev.iotforwarder.internal.spool.SpoolSyncer}), the directory lock and the checkpoint. Not
 * exported; the parts that hand messages to lanes, and the facade {@code Spooler}, live in {@code
 * dev.iotforwarder.internal}. The file format and a code map are in {@code docs/spool.md}.
 */
package dev.iotforwarder.internal.spool;
