package dev.iotforwarder.cmq;

/**
 * Where a {@link CmqReceiver} hands a poison message: one whose body is not a valid envelope, or
 * whose handler failed on its last allowed receive (see {@link
 * CmqReceiver.Builder#deadLetter(CmqDeadLetterHandler, int)}). Returning normally lets the receiver
 * delete the message and count it as dead-lettered; throwing leaves it in the queue, to come back
 * after the visibility timeout and be handed over again.
 *
 * <p>Runs on a poller thread, in the order of the batch; may block. Typical implementations park the
 * body somewhere durable (another queue, a table, a file) with the reason.
 */
@FunctionalInterface
public interface CmqDeadLetterHandler {
  /**
   * Takes one poison message.
   *
   * @param message the CMQ message, with its raw body, id and {@code dequeueCount}
   * @param reason the {@link dev.iotforwarder.EnvelopeFormatException} of an undecodable body, or the
   *     exception the handler threw on the last attempt
   * @throws Exception to leave the message in the queue
   */
  void deadLetter(CmqMessage message, Exception reason) throws Exception;
}
