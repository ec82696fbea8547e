package dev.iotforwarder;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * The two stages of one message's journey, from {@link Forwarder#submit(DeviceMessage)}.
 *
 * <ul>
 *   <li>{@link #accepted()}: the forwarder has taken responsibility for the message. With a {@link
 *       ForwarderBuilder#spool(java.nio.file.Path) spool}, the message is in it, as durable as the
 *       {@link SpoolOptions.Fsync fsync policy} makes it (with the default, fsynced to disk), and it
 *       will reach its sinks even if this process dies now: a gateway can acknowledge the device here
 *       (an MQTT PUBACK, say). Without a spool, the message is in the sinks' memory buffers, which a
 *       crash loses. Fails with a {@link BufferFullException} when there was no room (the spool's
 *       or a lane's overflow policy refused it), or with a {@link ForwardingException} when the
 *       forwarder is closed or the spool could not write it. Completes at once for a message that
 *       no route takes.
 *   <li>{@link #completion()}: the journey ended; exactly the future that {@link
 *       Forwarder#forward(DeviceMessage)} returns. It completes when every routed sink has the
 *       message, or exceptionally with a {@link ForwardingException} naming the sink and the reason.
 *       If {@code accepted} failed, {@code completion} fails with the same exception.
 * </ul>
 *
 * <p>Both futures complete on the forwarder's threads (or the caller's, when the outcome is known
 * at once); use the {@code *Async} methods for slow continuations.
 *
 * @param accepted completes when the forwarder has taken the message (see above)
 * @param completion completes when every routed sink has the message, or fails
 */
public record Submission(
    CompletableFuture<Void> accepted, CompletableFuture<ForwardResult> completion) {

  /**
   * Validates.
   *
   * @throws NullPointerException if a future is null
   */
  public Submission {
    Objects.requireNonNull(accepted, "accepted == null");
    Objects.requireNonNull(completion, "completion == null");
  }
}
