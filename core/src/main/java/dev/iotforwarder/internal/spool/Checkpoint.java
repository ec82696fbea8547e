package dev.iotforwarder.internal.spool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * The spool's checkpoint: a sequence number below which every record is done (acknowledged or
 * dead-lettered by every routed sink). It only saves work: a stale checkpoint makes a restart send
 * more duplicates, never lose a message. Written to a temporary file and renamed over the old one.
 *
 * <pre>checkpoint := magic "IOTFWCKP" | version u32 (= 1) | doneBelow u64 | crc32c u32 (24 bytes)</pre>
 */
public final class Checkpoint {
  /** The checkpoint file's name. */
  public static final String FILE_NAME = "checkpoint";
  private static final byte[] MAGIC = "IOTFWCKP".getBytes(StandardCharsets.US_ASCII);
  private static final int SIZE = 24;

  private Checkpoint() {}

  /**
   * Reads the checkpoint.
   *
   * @param directory the spool directory
   * @return the sequence number below which every record is done; 0 if there is no checkpoint
   * @throws IOException if it cannot be read
   * @throws IllegalArgumentException if it is damaged (the caller then starts from 0)
   */
  public static long read(Path directory) throws IOException {
    byte[] b;
    try {
      b = Files.readAllBytes(directory.resolve(FILE_NAME));
    } catch (NoSuchFileException e) {
      return 0;
    }
    if (b.length != SIZE) {
      throw new IllegalArgumentException("checkpoint has " + b.length + " bytes, not " + SIZE);
    }
    for (int i = 0; i < MAGIC.length; i++) {
      if (b[i] != MAGIC[i]) {
        throw new IllegalArgumentException("checkpoint has no magic");
      }
    }
    CRC32C crc = new CRC32C();
    crc.update(b, 0, 20);
    ByteBuffer bb = ByteBuffer.wrap(b);
    if ((int) crc.getValue() != bb.getInt(20)) {
      throw new IllegalArgumentException("checkpoint checksum mismatch");
    }
    if (bb.getInt(8) != 1) {
      throw new IllegalArgumentException("checkpoint version " + bb.getInt(8));
    }
    long doneBelow = bb.getLong(12);
    if (doneBelow < 0) {
      throw new IllegalArgumentException("checkpoint says " + doneBelow);
    }
    return doneBelow;
  }

  /**
   * Replaces the checkpoint.
   *
   * @param directory the spool directory
   * @param doneBelow every record below this sequence number is done
   * @param force whether to fsync the file (and the directory) before and after the rename
   * @throws IOException if it cannot be written
   */
  public static void write(Path directory, long doneBelow, boolean force) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(SIZE);
    b.put(MAGIC).putInt(1).putLong(doneBelow);
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, 20);
    b.putInt((int) crc.getValue()).flip();
    Path tmp = directory.resolve(FILE_NAME + ".tmp");
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      while (b.hasRemaining()) {
        ch.write(b);
      }
      if (force) {
        ch.force(false);
      }
    }
    try {
      Files.move(tmp, directory.resolve(FILE_NAME), StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, directory.resolve(FILE_NAME), StandardCopyOption.REPLACE_EXISTING);
    }
    if (force) {
      syncDirectory(directory);
    }
  }

  /**
   * Makes the directory's entries (new and removed files) durable, where the platform allows it.
   *
   * @param directory the directory
   */
  public static void syncDirectory(Path directory) {
    try (FileChannel ch = FileChannel.open(directory, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // not supported on every platform (Windows); the files themselves are synced
    }
  }
}
