/**
 * Sinks for tests and experiments: {@link dev.iotforwarder.testing.RecordingSink} keeps what it
 * receives, {@link dev.iotforwarder.testing.FlakySink} fails and delays on purpose with a seeded
 * random source. Both are thread-safe and depend on nothing but core.
 */
package dev.iotforwarder.testing;
