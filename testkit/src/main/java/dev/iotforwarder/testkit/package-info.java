/**
 * Local stand-ins for the queues, for tests and demos: {@code LocalKafka} (a real in-process KRaft
 * broker), {@code LocalCmq} (a CMQ-compatible HTTP endpoint), and the sink contract kit that every
 * sink, ours and users', runs to prove the SPI contract.
 */
package dev.iotforwarder.testkit;
