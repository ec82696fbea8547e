package dev.iotforwarder;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.iotforwarder.spi.DeadLetterSink;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * A dead-letter sink that appends one JSON line per message to a local file: the message's envelope
 * (the nine fields, as {@link EnvelopeCodec} writes them) with one more field, {@code DeadLetter},
 * holding the sink name, the attempt count, the reason and the time:
 *
 * <pre>{@code
 * {"MsgType":"Publish",...,"Payload":"eyJ0Ijo...","DeadLetter":{"Sink":"cmq","Attempts":3,"Reason":"PermanentForwardingException: ...","Time":"2026-11-26T02:30:00Z"}}
 * }</pre>
 *
 * <p>Because {@link EnvelopeCodec#standard()} ignores unknown fields, each line decodes back to its
 * message, so the file can be replayed. Each write goes to the operating system before the send
 * completes; with {@code fsync} on it is also forced to disk. Thread-safe.
 */
public final class FileDeadLetterSink implements DeadLetterSink {
  private static final JsonFactory JSON = new JsonFactory();
  private static final byte[] DEAD_LETTER_FIELD =
      ",\"DeadLetter\":".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  private final Path file;
  private final boolean fsync;
  private final FileChannel channel;
  private boolean closed;

  private FileDeadLetterSink(Path file, boolean fsync) throws IOException {
    this.file = file;
    this.fsync = fsync;
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    this.channel = FileChannel.open(
        file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
  }

  /**
   * Opens (creating if needed) a file to append dead letters to, forcing each line to disk before
   * its send completes: the same default as the spool's ({@link SpoolOptions}), so that a message
   * the forwarder gave up on survives a power cut as a spooled one does. A dead letter is rare, so
   * the cost is small; {@link #open(Path, boolean)} with {@code false} skips the fsync.
   *
   * @param file the file
   * @return the sink
   * @throws UncheckedIOException if the file cannot be opened
   */
  public static FileDeadLetterSink open(Path file) {
    return open(file, true);
  }

  /**
   * Opens (creating if needed) a file to append dead letters to.
   *
   * @param file the file
   * @param fsync whether to force every line to disk before the send completes (slower, survives a
   *     power cut)
   * @return the sink
   * @throws UncheckedIOException if the file cannot be opened
   */
  public static FileDeadLetterSink open(Path file, boolean fsync) {
    Objects.requireNonNull(file, "file == null");
    try {
      return new FileDeadLetterSink(file, fsync);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot open dead-letter file " + file, e);
    }
  }

  @Override
  public String name() {
    return "file:" + file.getFileName();
  }

  /**
   * The file written to.
   *
   * @return the path
   */
  public Path file() {
    return file;
  }

  @Override
  public CompletableFuture<Void> send(DeadLetter letter) {
    byte[] line;
    try {
      line = line(letter);
    } catch (IOException e) {
      return CompletableFuture.failedFuture(new UncheckedIOException(e));
    }
    synchronized (this) {
      if (closed) {
        return CompletableFuture.failedFuture(
            new PermanentForwardingException("dead-letter file " + file + " is closed"));
      }
      try {
        ByteBuffer buf = ByteBuffer.wrap(line);
        while (buf.hasRemaining()) {
          channel.write(buf);
        }
        if (fsync) {
          channel.force(false);
        }
      } catch (IOException e) {
        return CompletableFuture.failedFuture(new RetriableForwardingException(
            "cannot append to dead-letter file " + file + ": " + e.getMessage(), e));
      }
    }
    return CompletableFuture.completedFuture(null);
  }

  private static byte[] line(DeadLetter letter) throws IOException {
    byte[] envelope = EnvelopeCodec.standard().encode(letter.message());
    ByteArrayOutputStream out = new ByteArrayOutputStream(envelope.length + 256);
    out.write(envelope, 0, envelope.length - 1); // all but the closing brace
    out.write(DEAD_LETTER_FIELD, 0, DEAD_LETTER_FIELD.length);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("Sink", letter.sinkName());
      g.writeNumberField("Attempts", letter.attempts());
      g.writeStringField("Reason", letter.reasonText());
      g.writeStringField("Time", letter.time().toString());
      g.writeEndObject();
    }
    out.write('}');
    out.write('\n');
    return out.toByteArray();
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      channel.force(false);
      channel.close();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot close dead-letter file " + file, e);
    }
  }

  @Override
  public String toString() {
    return "FileDeadLetterSink[" + file + ", fsync=" + fsync + "]";
  }
}
