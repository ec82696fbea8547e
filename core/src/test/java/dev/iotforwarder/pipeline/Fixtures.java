package dev.iotforwarder.pipeline;

import dev.iotforwarder.DeadLetter;
import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.PermanentForwardingException;
import dev.iotforwarder.spi.DeadLetterSink;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Shared helpers of the pipeline tests. */
final class Fixtures {
  private Fixtures() {}

  static DeviceMessage publish(int device, long seq) {
    return DeviceMessage.publish("p" + device % 3, "d" + device, String.valueOf(device),
        "p" + device % 3 + "/d" + device + "/telemetry", seq,
        ("{\"seq\":" + seq + "}").getBytes(StandardCharsets.UTF_8));
  }

  static DeviceMessage status(int device, long seq, String event) {
    return DeviceMessage.status("p" + device % 3, "d" + device, String.valueOf(device), event, seq);
  }

  /** Polls a condition until it holds, failing after the bound. Never a fixed sleep. */
  static void await(String what, Duration bound, BooleanSupplier condition) {
    long deadline = System.nanoTime() + bound.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + bound + " waiting for " + what);
      }
      Thread.onSpinWait();
      Thread.yield();
    }
  }

  /** The failure of a forward expected to fail, waiting up to 30 seconds for it. */
  static Throwable failureOf(CompletableFuture<?> f) throws Exception {
    try {
      f.get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return e.getCause();
    }
    throw new AssertionError("expected the forward to fail");
  }

  /** A dead-letter sink that keeps every letter. */
  static final class RecordingDeadLetters implements DeadLetterSink {
    private final List<DeadLetter> letters = new ArrayList<>();
    private volatile boolean closed;

    @Override
    public String name() {
      return "recording-dlq";
    }

    @Override
    public CompletableFuture<Void> send(DeadLetter letter) {
      if (closed) {
        return CompletableFuture.failedFuture(new PermanentForwardingException("closed"));
      }
      synchronized (letters) {
        letters.add(letter);
      }
      return CompletableFuture.completedFuture(null);
    }

    List<DeadLetter> letters() {
      synchronized (letters) {
        return List.copyOf(letters);
      }
    }

    @Override
    public void close() {
      closed = true;
    }
  }
}
