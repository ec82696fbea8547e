package dev.iotforwarder.internal.spool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.OptionalLong;

/**
 * Tells, without taking the directory, whether a forwarder holds a spool directory's {@link
 * SpoolLock}: for readers such as the operator tool, which read a spool while its forwarder runs.
 *
 * <p>The probe opens {@code spool.lock} read-only and asks for a <i>shared</i> lock, released at
 * once: a forwarder's exclusive lock refuses it. It never creates or writes the file. For the
 * instant the probe holds its shared lock, a forwarder starting on the same directory would find the
 * directory in use; the probe does not retry.
 */
public final class SpoolLockProbe {
  private SpoolLockProbe() {}

  /** Whether the lock is held. */
  public enum State {
    /** There is no lock file: no forwarder has used the directory, or it was removed. */
    NO_LOCK_FILE,
    /** A forwarder holds the lock now. */
    HELD,
    /** The lock file is there and nobody holds it. */
    FREE,
    /** The platform could not tell (the file cannot be locked for reading). */
    UNKNOWN
  }

  /**
   * What the probe found.
   *
   * @param state whether the lock is held
   * @param ownerPid the process id the lock file names (the last owner's, when free), if any
   * @param detail why the state is {@link State#UNKNOWN}, or an empty string
   */
  public record Result(State state, OptionalLong ownerPid, String detail) {}

  /**
   * Probes a spool directory's lock.
   *
   * @param directory the spool directory
   * @return what it found
   * @throws IOException if the lock file exists but cannot be opened for reading
   */
  public static Result probe(Path directory) throws IOException {
    Path file = directory.resolve(SpoolLock.FILE_NAME);
    if (!Files.exists(file)) {
      return new Result(State.NO_LOCK_FILE, OptionalLong.empty(), "");
    }
    FileChannel ch;
    try {
      ch = FileChannel.open(file, StandardOpenOption.READ);
    } catch (NoSuchFileException e) {
      return new Result(State.NO_LOCK_FILE, OptionalLong.empty(), "");
    }
    try (ch) {
      OptionalLong pid = pid(ch);
      FileLock lock;
      try {
        lock = ch.tryLock(0, Long.MAX_VALUE, true);
      } catch (OverlappingFileLockException e) {
        return new Result(State.HELD, pid, "held in this process");
      } catch (IOException | UnsupportedOperationException e) {
        return new Result(State.UNKNOWN, pid, String.valueOf(e.getMessage()));
      }
      if (lock == null) {
        return new Result(State.HELD, pid, "");
      }
      lock.release();
      return new Result(State.FREE, pid, "");
    }
  }

  private static OptionalLong pid(FileChannel ch) {
    try {
      ByteBuffer b = ByteBuffer.allocate(32);
      ch.read(b, 0);
      String s = new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII).trim();
      return s.matches("\\d{1,18}") ? OptionalLong.of(Long.parseLong(s)) : OptionalLong.empty();
    } catch (IOException e) {
      return OptionalLong.empty();
    }
  }
}
