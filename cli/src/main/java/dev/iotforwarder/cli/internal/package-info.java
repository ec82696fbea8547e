/** The operator tool's workings: reading a spool without its lock, replaying a dead-letter file. */
package dev.iotforwarder.cli.internal;
