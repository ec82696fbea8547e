package dev.iotforwarder.internal.spool;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The lock that makes one forwarder the owner of a spool directory: an OS file lock on {@code
 * spool.lock}, held until {@link #close()}, so that it also goes away when the process dies. The file
 * itself stays; it holds the owner's process id, for people, not for the lock.
 */
public final class SpoolLock implements Closeable {
  /** The lock file's name. */
  public static final String FILE_NAME = "spool.lock";

  private final FileChannel channel;
  private final FileLock lock;

  private SpoolLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * Takes the lock of a spool directory.
   *
   * @param directory the directory
   * @return the held lock
   * @throws IllegalStateException if another forwarder, in this process or another, holds it
   * @throws IOException if the lock file cannot be opened
   */
  public static SpoolLock acquire(Path directory) throws IOException {
    Path file = directory.resolve(FILE_NAME);
    FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
        StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = ch.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
    if (lock == null) {
      String owner = owner(ch);
      ch.close();
      throw new IllegalStateException("spool directory " + directory + " is in use by another"
          + " forwarder" + owner + ": its lock file " + file + " is held. A spool directory belongs"
          + " to one forwarder at a time; give each forwarder its own directory, or close the other"
          + " one first");
    }
    try {
      byte[] pid = (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII);
      ch.truncate(0);
      ch.write(ByteBuffer.wrap(pid), 0);
    } catch (IOException | UnsupportedOperationException e) {
      // the pid is for people only
    }
    return new SpoolLock(ch, lock);
  }

  private static String owner(FileChannel ch) {
    try {
      ByteBuffer b = ByteBuffer.allocate(32);
      ch.read(b, 0);
      String pid = new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII).trim();
      return pid.matches("\\d+") ? " (process " + pid + ")" : "";
    } catch (IOException e) {
      return "";
    }
  }

  /** Releases the lock and closes the file. */
  @Override
  public void close() throws IOException {
    try {
      if (lock.isValid()) {
        lock.release();
      }
    } finally {
      channel.close();
    }
  }
}
