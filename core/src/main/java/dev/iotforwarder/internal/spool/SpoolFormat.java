package dev.iotforwarder.internal.spool;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * The on-disk format, version 1. All integers are big-endian.
 *
 * <pre>
 * segment  := header record*
 * header   := magic "IOTFWSPL" (8 bytes) | version u32 (= 1) | segmentId u64 | crc32c u32 of the 20
 *             bytes before it                                                  (24 bytes)
 * record   := magic u32 0x53505231 ("SPR1") | bodyLength u32 | seq u64 | crc u32 | body
 *             crc = CRC32C(body, then the 12 bytes of bodyLength and seq)      (20 + bodyLength)
 * </pre>
 *
 * <p>The record magic lets a reader find the next record after a damaged one; the checksum covers
 * the length and the sequence number as well as the body, so a damaged length is caught too. The
 * body is described in {@link RecordCodec}.
 */
public final class SpoolFormat {
  /** The current format version, written in every segment header. */
  public static final int VERSION = 1;
  /** The size of a segment header. */
  public static final int SEGMENT_HEADER_BYTES = 24;
  /** The size of a record header. */
  public static final int RECORD_HEADER_BYTES = 20;
  /** The record magic, {@code "SPR1"}. */
  public static final int RECORD_MAGIC = 0x53505231;
  /** No record body is larger than this; a larger length marks a damaged header. */
  public static final int MAX_BODY_BYTES = 256 * 1024 * 1024;
  /** The suffix of segment file names. */
  public static final String SEGMENT_SUFFIX = ".seg";

  private static final byte[] SEGMENT_MAGIC = "IOTFWSPL".getBytes(StandardCharsets.US_ASCII);

  private SpoolFormat() {}

  /**
   * The file name of a segment: its id, zero-padded so that names sort like ids.
   *
   * @param id the segment id
   * @return for example {@code 00000000000000000042.seg}
   */
  public static String segmentName(long id) {
    return String.format("%020d%s", id, SEGMENT_SUFFIX);
  }

  /**
   * The id in a segment file name.
   *
   * @param fileName the name
   * @return the id, or -1 if the name is not a segment's
   */
  public static long segmentId(String fileName) {
    if (!fileName.endsWith(SEGMENT_SUFFIX) || fileName.length() != 20 + SEGMENT_SUFFIX.length()) {
      return -1;
    }
    try {
      return Long.parseLong(fileName.substring(0, 20));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /**
   * A segment header.
   *
   * @param id the segment id
   * @return the 24 bytes, ready to write
   */
  public static ByteBuffer segmentHeader(long id) {
    ByteBuffer b = ByteBuffer.allocate(SEGMENT_HEADER_BYTES);
    b.put(SEGMENT_MAGIC).putInt(VERSION).putLong(id);
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, 20);
    b.putInt((int) crc.getValue());
    return b.flip();
  }

  /** What a segment header says. */
  public enum HeaderCheck {
    /** Magic, checksum and version are right. */
    OK,
    /** Not a segment header, or a damaged one. */
    DAMAGED,
    /** A well-formed header of a version this library cannot read. */
    UNSUPPORTED_VERSION
  }

  /**
   * Checks a segment header.
   *
   * @param b at least 24 bytes from the start of the file
   * @return what it is
   */
  public static HeaderCheck checkHeader(ByteBuffer b) {
    byte[] h = new byte[SEGMENT_HEADER_BYTES];
    b.duplicate().get(h);
    for (int i = 0; i < SEGMENT_MAGIC.length; i++) {
      if (h[i] != SEGMENT_MAGIC[i]) {
        return HeaderCheck.DAMAGED;
      }
    }
    CRC32C crc = new CRC32C();
    crc.update(h, 0, 20);
    if ((int) crc.getValue() != ByteBuffer.wrap(h, 20, 4).getInt()) {
      return HeaderCheck.DAMAGED;
    }
    return ByteBuffer.wrap(h, 8, 4).getInt() == VERSION
        ? HeaderCheck.OK
        : HeaderCheck.UNSUPPORTED_VERSION;
  }

  /**
   * The version in a header whose check said {@link HeaderCheck#UNSUPPORTED_VERSION}.
   *
   * @param b the header
   * @return the version
   */
  public static int headerVersion(ByteBuffer b) {
    return b.getInt(b.position() + 8);
  }

  /**
   * The checksum of a record.
   *
   * @param body the body array
   * @param off where the body starts
   * @param len the body's length
   * @param seq the record's sequence number
   * @return the CRC32C of the body, then the length and the sequence number
   */
  public static int recordCrc(byte[] body, int off, int len, long seq) {
    CRC32C crc = new CRC32C();
    crc.update(body, off, len);
    byte[] tail = new byte[12];
    ByteBuffer.wrap(tail).putInt(len).putLong(seq);
    crc.update(tail, 0, 12);
    return (int) crc.getValue();
  }
}
