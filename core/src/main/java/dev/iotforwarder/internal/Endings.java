package dev.iotforwarder.internal;

import dev.iotforwarder.DeadLetter;
import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.ForwardingException;
import dev.iotforwarder.PermanentForwardingException;
import dev.iotforwarder.RetriableForwardingException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a lane ends a message it does not deliver: the error that names the sink and why, the
 * listeners, the dead-letter sink, the spool, and the caller's future.
 *
 * <p>Threads: called outside the lane's lock, by a completer (a sink's failure), a caller of {@code
 * forward} (a DROP_OLDEST drop) or the closing thread. Holds no state but a log counter under its
 * own monitor. The dead-letter sink's answer comes back through the lane's completion queue as a
 * {@link LetterDone}, so that the caller's future completes on a lane thread, not the dead-letter
 * sink's.
 */
final class Endings {
  private static final Logger LOG = LoggerFactory.getLogger(Endings.class);

  private final String name;
  private final EngineContext context;
  private final boolean pipelineRetries;
  /** Posts an item to the lane's completion queue. */
  private final Consumer<Object> post;
  private long unloggedFailures;

  /** The dead-letter sink's answer about one message's letter. */
  record LetterDone(Entry entry, ForwardingException failure, DeadLetter letter, Throwable error) {}

  Endings(String name, EngineContext context, boolean pipelineRetries, Consumer<Object> post) {
    this.name = name;
    this.context = context;
    this.pipelineRetries = pipelineRetries;
    this.post = post;
  }

  /**
   * The message ended without delivery: tell the listeners, dead-letter it, fail its future.
   *
   * @param closing whether the forwarder is closing (with a spool, the message then stays there)
   * @param wasDropped whether the overflow policy dropped it ({@code error} is then the report)
   */
  void finish(Entry e, Throwable error, boolean closing, boolean wasDropped) {
    if (keptInSpool(e, error, closing, wasDropped)) {
      return;
    }
    ForwardingException failure = wasDropped
        ? (ForwardingException) error : describe(e, error, closing);
    if (!wasDropped) {
      context.listeners.failed(e.message, name, e.attempts, error);
    }
    DeadLetter letter = new DeadLetter(e.message, name, error, e.attempts, context.clock.instant());
    CompletableFuture<Void> stored = context.deadLetter(letter);
    if (stored == null) {
      logFailure(failure);
      e.delivery.failed(failure);
      return;
    }
    stored.whenComplete((v, dlqError) -> post.accept(new LetterDone(e, failure, letter, dlqError)));
  }

  /** On a completer: the dead-letter sink answered; the caller's future completes now. */
  void letterDone(LetterDone d) {
    ForwardingException reported;
    if (d.error == null) {
      context.listeners.deadLettered(d.letter);
      reported = rebuild(d.failure, d.failure.getMessage() + "; the message is in dead-letter sink "
          + context.deadLetterName());
    } else {
      Throwable dlqError = Verdict.unwrap(d.error);
      LOG.error("Dead-letter sink {} failed to store the {} that sink {} could not deliver",
          context.deadLetterName(), d.entry.describe(), name, dlqError);
      reported = rebuild(d.failure, d.failure.getMessage() + "; and dead-letter sink "
          + context.deadLetterName() + " failed to store it: " + dlqError);
      reported.addSuppressed(dlqError);
      d.entry.delivery.keep(); // with a spool: neither delivered nor dead-lettered, so it stays
    }
    d.entry.delivery.failed(reported);
  }

  private static ForwardingException rebuild(ForwardingException f, String message) {
    if (f instanceof PermanentForwardingException) {
      return new PermanentForwardingException(message, f.sinkName(), f.getCause());
    }
    if (f instanceof RetriableForwardingException) {
      return new RetriableForwardingException(message, f.sinkName(), f.getCause());
    }
    return new ForwardingException(message, f.sinkName(), f.getCause());
  }

  /** The error the caller sees: which sink, which message, how many attempts, and why. */
  private ForwardingException describe(Entry e, Throwable error, boolean closing) {
    String attempts = e.attempts + " attempt" + (e.attempts == 1 ? "" : "s");
    String cause = error == null ? "" : ": " + error.getMessage();
    if (error instanceof PermanentForwardingException) {
      return new PermanentForwardingException(
          "sink " + name + " failed permanently to deliver the " + e.describe() + " after " + attempts
              + cause, name, error);
    }
    if (closing) {
      // The closing thread's own marker carries the last send's failure, if any: that is the cause.
      Throwable original = error instanceof Closed ? error.getCause() : error;
      return new ForwardingException(
          "the forwarder closed before sink " + name + " delivered the " + e.describe() + " ("
              + attempts + ")" + (original == null ? "" : ": " + original.getMessage()), name, original);
    }
    String why = pipelineRetries ? "gave up after " + attempts : "failed (the sink retries by itself)";
    return new RetriableForwardingException(
        "sink " + name + " " + why + " to deliver the " + e.describe() + cause, name, error);
  }

  /**
   * The reason a closing forwarder gives for a message still held in a lane (the dead letter's and
   * the listeners' reason); its cause is the failure of the message's last send, if it had one.
   */
  static final class Closed extends ForwardingException {
    private static final long serialVersionUID = 1L;

    Closed(String sink, Entry e) {
      super("the forwarder closed before sink " + sink + " delivered the " + e.describe()
          + (e.lastError == null ? "" : " (last failure: " + e.lastError.getMessage() + ")"), sink, e.lastError);
    }
  }

  /**
   * {@code enqueue}: a route filter threw for some sinks while others took the message. No caller's
   * future will carry the error, so each failed sink's part is reported as a failure: to the
   * listeners and the dead-letter sink (logged at ERROR when there is none, or it fails to store
   * it). On the caller's thread.
   */
  static void untrackedRouteErrors(EngineContext context, DeviceMessage m,
      List<ForwardingException> errors) {
    for (ForwardingException error : errors) {
      String sink = error.sinkName();
      context.listeners.failed(m, sink, 0, error);
      DeadLetter letter = new DeadLetter(m, sink, error, 0, context.clock.instant());
      CompletableFuture<Void> stored = context.deadLetter(letter);
      if (stored == null) {
        LOG.error("{} (enqueued; no dead-letter sink configured)", error.getMessage());
        continue;
      }
      stored.whenComplete((v, dlqError) -> {
        if (dlqError == null) {
          context.listeners.deadLettered(letter);
        } else {
          LOG.error("{}; and dead-letter sink {} failed to store it", error.getMessage(),
              context.deadLetterName(), dlqError);
        }
      });
    }
  }

  private void logFailure(ForwardingException failure) {
    long n;
    synchronized (this) {
      n = unloggedFailures++;
    }
    if (n % 1000 == 0) {
      LOG.warn("{} (no dead-letter sink configured; {} such failures so far in this lane)",
          failure.getMessage(), n + 1);
    }
  }

  /**
   * With a spool, a message this lane gives up on only because the forwarder is closing stays in the
   * spool for the next start: its future fails saying so, and it is neither dead-lettered nor
   * reported to the listeners as failed.
   */
  private boolean keptInSpool(Entry e, Throwable error, boolean closing, boolean wasDropped) {
    if (!closing || wasDropped || e.delivery.spool == null
        || error instanceof PermanentForwardingException) {
      return false;
    }
    e.delivery.keep();
    e.delivery.failed(new ForwardingException("the forwarder closed before sink " + name
        + " delivered the " + e.describe() + "; it stays in the spool and is sent on the next start",
        name, error));
    return true;
  }
}
