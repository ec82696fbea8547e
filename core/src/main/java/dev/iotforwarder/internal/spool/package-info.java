/**
 * The durable spool's storage: segment files of checksummed records, their recovery after a crash,
 * the directory lock and the checkpoint. Not exported; the forwarder's glue lives in {@code
 * dev.iotforwarder.internal.Spooler}. The file format is described in {@code docs/spool.md}.
 */
package dev.iotforwarder.internal.spool;
