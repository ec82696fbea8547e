package dev.iotforwarder.internal.spool;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Appends records to a new segment file. One write per record, no buffering in the process, so a
 * record that {@link #append} returned for survives a crash of the process (though not of the
 * machine until {@link #force()}). Not thread-safe: the spool calls it under its lock, except {@link
 * #force()}, which may run concurrently with appends.
 */
public final class SegmentWriter implements Closeable {
  private final Path path;
  private final FileChannel channel;
  private long position;

  private SegmentWriter(Path path, FileChannel channel, long position) {
    this.path = path;
    this.channel = channel;
    this.position = position;
  }

  /**
   * Creates a segment file and writes its header.
   *
   * @param directory the spool directory
   * @param id the new segment's id
   * @return the writer, positioned after the header
   * @throws IOException if the file exists or cannot be written
   */
  public static SegmentWriter create(Path directory, long id) throws IOException {
    Path path = directory.resolve(SpoolFormat.segmentName(id));
    FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    try {
      writeFully(ch, SpoolFormat.segmentHeader(id), 0);
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
    return new SegmentWriter(path, ch, SpoolFormat.SEGMENT_HEADER_BYTES);
  }

  /**
   * Writes a record at the end of the segment. On failure the segment is cut back to where it was,
   * if possible.
   *
   * @param record the encoded record
   * @param seq its sequence number
   * @return where it starts
   * @throws IOException if it could not be written
   */
  public long append(RecordCodec.Encoded record, long seq) throws IOException {
    RecordCodec.seal(record, seq);
    long start = position;
    try {
      writeFully(channel, ByteBuffer.wrap(record.buf), start);
    } catch (IOException e) {
      try {
        channel.truncate(start);
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    position = start + record.buf.length;
    return start;
  }

  private static void writeFully(FileChannel ch, ByteBuffer b, long at) throws IOException {
    while (b.hasRemaining()) {
      at += ch.write(b, at);
    }
  }

  /**
   * Forces what was written to the disk (data, not necessarily metadata such as the file's
   * modification time; the file's length is data here).
   *
   * @throws IOException on failure
   */
  public void force() throws IOException {
    channel.force(false);
  }

  /** @return the end of the last record written */
  public long position() {
    return position;
  }

  /** @return the segment file */
  public Path path() {
    return path;
  }

  /** @return whether {@link #close()} has not been called */
  public boolean isOpen() {
    return channel.isOpen();
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
