package com.example;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.EnvelopeCodec;
import dev.iotforwarder.PermanentForwardingException;
import dev.iotforwarder.RetriableForwardingException;
import dev.iotforwarder.spi.Sink;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/** The README's custom sink: one envelope per line on a stream; proven by {@code StdoutSinkTest}. */
public final class StdoutSink implements Sink {
  private final PrintStream out;
  private volatile boolean closed;

  public StdoutSink(PrintStream out) {     // System.out, say
    this.out = out;
  }

  @Override public String name() {
    return "stdout";
  }

  @Override public CompletableFuture<Void> send(DeviceMessage m) {
    if (closed) {                            // a send after close() must not succeed
      return CompletableFuture.failedFuture(new PermanentForwardingException("sink stdout is closed"));
    }
    if (m.payload().length > 1 << 20) {      // would fail again: permanent (dead-lettered at once)
      return CompletableFuture.failedFuture(new PermanentForwardingException("payload over 1 MiB"));
    }
    synchronized (out) {
      out.println(new String(EnvelopeCodec.standard().encode(m), StandardCharsets.UTF_8));
      if (out.checkError()) {                // may work later: retriable (the forwarder retries)
        return CompletableFuture.failedFuture(new RetriableForwardingException("stdout is not writable"));
      }
    }                                        // fail the future, never throw from send(): any other
    return CompletableFuture.completedFuture(null); // exception counts as retriable
  }

  @Override public void close() {
    closed = true;
  }
}
