package dev.iotforwarder.cli.internal;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.EnvelopeCodec;
import dev.iotforwarder.Forwarder;
import dev.iotforwarder.LaneOptions;
import dev.iotforwarder.RetryPolicy;
import dev.iotforwarder.spi.Sink;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Re-forwards the lines of a {@code FileDeadLetterSink} file through a {@link Forwarder} with one
 * sink. The input is only read. A line that does not decode, or whose message the sink does not take
 * in the end, is copied unchanged to the failed-lines file, which is created (never overwritten) on
 * the first failure; the reason goes to stderr with the line number.
 *
 * <p><b>Threads.</b> The calling thread reads and submits, at most {@link #MAX_IN_FLIGHT} messages
 * ahead of their completions, which run on the forwarder's threads; the failed-lines file and the
 * stderr writer are written under this object's lock. A progress line goes to stderr at most once a
 * second, from the calling thread.
 */
public final class Replayer {
  /** The most messages submitted and not yet complete. */
  public static final int MAX_IN_FLIGHT = 1024;

  private final Path failedFile;
  private final PrintWriter err;
  private final boolean terminal;
  private final AtomicLong delivered = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private BufferedWriter failedOut;

  /**
   * What a replay did.
   *
   * @param lines non-blank lines read
   * @param delivered messages the sink took
   * @param failed lines that failed (not decodable, or not delivered)
   * @param failedFile where the failed lines are, or null if none failed
   */
  public record Summary(long lines, long delivered, long failed, Path failedFile) {}

  /**
   * A replayer.
   *
   * @param failedFile the file to create for the lines that fail; must not exist
   * @param err where progress and reasons go
   * @param terminal whether stderr is a terminal (the progress line then rewrites itself)
   */
  public Replayer(Path failedFile, PrintWriter err, boolean terminal) {
    this.failedFile = failedFile;
    this.err = err;
    this.terminal = terminal;
  }

  /**
   * Replays a file into a sink, and closes the sink.
   *
   * @param input the dead-letter file
   * @param sink the sink
   * @param maxAttempts the most sends of one message
   * @param closeTimeout how long to wait, at the end, for messages still being sent
   * @return what happened
   * @throws IOException if the input cannot be read or the failed-lines file cannot be written
   * @throws InterruptedException if interrupted while waiting for room
   */
  public Summary replay(Path input, Sink sink, int maxAttempts, Duration closeTimeout)
      throws IOException, InterruptedException {
    EnvelopeCodec codec = EnvelopeCodec.standard();
    Semaphore room = new Semaphore(MAX_IN_FLIGHT);
    long lines = 0;
    long lastProgress = System.nanoTime();
    LaneOptions lane = LaneOptions.builder()
        .retryPolicy(RetryPolicy.builder().maxAttempts(maxAttempts).build())
        .build();
    try (Forwarder forwarder = Forwarder.builder().route(sink).laneDefaults(lane)
        .closeTimeout(closeTimeout).build();
        BufferedReader in = Files.newBufferedReader(input, StandardCharsets.UTF_8)) {
      String line;
      long number = 0;
      while ((line = in.readLine()) != null) {
        number++;
        if (line.isBlank()) {
          continue;
        }
        lines++;
        DeviceMessage message;
        try {
          message = codec.decode(line.getBytes(StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
          fail(number, line, "not a message envelope: " + e.getMessage());
          continue;
        }
        room.acquire();
        final long n = number;
        final String text = line;
        forwarder.forward(message).whenComplete((r, e) -> {
          try {
            if (e == null) {
              delivered.incrementAndGet();
            } else {
              fail(n, text, "not delivered: " + (e.getCause() != null && e.getCause() != e
                  ? e.getCause().getMessage() : e.getMessage()));
            }
          } finally {
            room.release();
          }
        });
        if (System.nanoTime() - lastProgress > 1_000_000_000L) {
          progress(lines, MAX_IN_FLIGHT - room.availablePermits());
          lastProgress = System.nanoTime();
        }
      }
      while (!room.tryAcquire(MAX_IN_FLIGHT, 1, java.util.concurrent.TimeUnit.SECONDS)) {
        progress(lines, MAX_IN_FLIGHT - room.availablePermits());
      }
      room.release(MAX_IN_FLIGHT);
    } finally {
      synchronized (this) {
        if (failedOut != null) {
          failedOut.close();
        }
      }
    }
    progress(lines, 0);
    if (terminal) {
      synchronized (this) {
        err.println();
      }
    }
    return new Summary(lines, delivered.get(), failed.get(), failed.get() > 0 ? failedFile : null);
  }

  private synchronized void progress(long lines, int inFlight) {
    String text = "replay: " + lines + " lines read, " + delivered.get() + " delivered, "
        + failed.get() + " failed, " + inFlight + " in flight";
    if (terminal) {
      err.print("\r" + text);
    } else {
      err.println(text);
    }
    err.flush();
  }

  private synchronized void fail(long number, String line, String reason) {
    failed.incrementAndGet();
    try {
      if (failedOut == null) {
        failedOut = Files.newBufferedWriter(failedFile, StandardCharsets.UTF_8,
            StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
      }
      failedOut.write(line);
      failedOut.write('\n');
      failedOut.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the failed-lines file " + failedFile, e);
    }
    if (terminal) {
      err.print("\r");
    }
    err.println("line " + number + " failed: " + reason);
    err.flush();
  }
}
