package dev.iotforwarder.cmq.internal;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.ForwardingException;
import dev.iotforwarder.PermanentForwardingException;
import dev.iotforwarder.RetriableForwardingException;
import dev.iotforwarder.cmq.CmqException;
import java.util.concurrent.CancellationException;

/**
 * The failures a {@code CmqSink} gives its messages, each naming the sink: a {@link
 * PermanentForwardingException} when sending the message again cannot help, a {@link
 * RetriableForwardingException} when it may. A {@link CmqException} is classified by {@link
 * CmqException#isRetriable()} and kept as the cause.
 */
public final class SinkFailures {
  private final String name;

  /**
   * The failures of one sink.
   *
   * @param name the sink's name
   */
  public SinkFailures(String name) {
    this.name = name;
  }

  /**
   * A send or batch after {@code close()}.
   *
   * @return a permanent failure
   */
  public PermanentForwardingException closed() {
    return new PermanentForwardingException("CmqSink '" + name + "' is closed", name, null);
  }

  /**
   * A message whose envelope, tags or routing key could not be made.
   *
   * @param m the message
   * @param e why
   * @return a permanent failure
   */
  public PermanentForwardingException unprepared(DeviceMessage m, RuntimeException e) {
    return new PermanentForwardingException(
        "CmqSink '" + name + "' could not prepare " + describe(m) + ": " + e.getMessage(), name, e);
  }

  /**
   * An envelope over {@code maxMessageBytes}, failed without a request.
   *
   * @param m the message
   * @param bytes the envelope's size
   * @param max the limit
   * @return a permanent failure
   */
  public PermanentForwardingException overMaxMessageBytes(DeviceMessage m, int bytes, int max) {
    return new PermanentForwardingException("CmqSink '" + name + "': the envelope of " + describe(m) + " has "
        + bytes + " bytes, over maxMessageBytes " + max, name, null);
  }

  /**
   * A single message the server found too large (4400, 4470, 10420).
   *
   * @param bytes the envelope's size
   * @param e the server's answer
   * @return a permanent failure
   */
  public PermanentForwardingException tooLargeForServer(int bytes, CmqException e) {
    return new PermanentForwardingException("CmqSink '" + name + "': a message of " + bytes
        + " bytes is too large for the server: " + e.getMessage(), name, e);
  }

  /**
   * Messages of a batch that closing the sink kept from being sent (halves of a split).
   *
   * @return a retriable failure: nothing was stored
   */
  public RetriableForwardingException closedBeforeSent() {
    return new RetriableForwardingException("CmqSink '" + name + "' closed before the message was sent", name, null);
  }

  /**
   * The failure of every message of a request that failed as a whole.
   *
   * @param error the request's failure, unwrapped
   * @param closing whether the sink is closing (a cancelled request is then the sink's doing)
   * @return the failure
   */
  public ForwardingException ofRequest(Throwable error, boolean closing) {
    if (error instanceof CmqException ce) {
      return ce.isRetriable()
          ? new RetriableForwardingException("CmqSink '" + name + "': " + ce.getMessage(), name, ce)
          : new PermanentForwardingException("CmqSink '" + name + "': " + ce.getMessage(), name, ce);
    }
    if (error instanceof CancellationException || closing) {
      return new RetriableForwardingException(
          "CmqSink '" + name + "' closed while the request was in flight", name, error);
    }
    return new RetriableForwardingException("CmqSink '" + name + "': request failed: " + error, name, error);
  }

  private static String describe(DeviceMessage m) {
    return "the message of device " + m.deviceKey() + " seq " + m.seq();
  }
}
