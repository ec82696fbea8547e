package dev.iotforwarder;

import java.util.Base64;
import java.util.Objects;

/**
 * Strict standard Base64 (RFC 4648 section 4: alphabet {@code A-Z a-z 0-9 + /}, {@code =} padding,
 * no line breaks), the encoding of the envelope's {@code Payload} field.
 *
 * <p>Decoding is strict where {@link java.util.Base64} is lenient: the length must be a multiple of
 * four, padding is required and may only end the text, whitespace and line breaks are rejected, and
 * the unused bits before the padding must be zero (so that every byte string has exactly one
 * encoding). Thread-safe; all methods are static.
 */
public final class PayloadCodec {
  private static final Base64.Encoder ENCODER = Base64.getEncoder();
  /** The 6-bit value of each character below 256; -1 for every character outside the alphabet. */
  private static final int[] DECODE = new int[256];

  static {
    java.util.Arrays.fill(DECODE, -1);
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int i = 0; i < alphabet.length(); i++) {
      DECODE[alphabet.charAt(i)] = i;
    }
  }

  private PayloadCodec() {}

  /**
   * Encodes bytes as standard Base64 with padding.
   *
   * @param bytes the raw bytes
   * @return the Base64 text
   */
  public static String encode(byte[] bytes) {
    return ENCODER.encodeToString(bytes);
  }

  /**
   * Decodes strict standard Base64.
   *
   * @param base64 the Base64 text
   * @return the decoded bytes
   * @throws IllegalArgumentException naming the problem and its position (never echoing the input)
   */
  public static byte[] decode(CharSequence base64) {
    int len = base64.length();
    char[] chars = new char[len];
    for (int i = 0; i < len; i++) {
      chars[i] = base64.charAt(i);
    }
    return decode(chars, 0, len);
  }

  /**
   * Decodes strict standard Base64 from a slice of a char array, without copying it first.
   *
   * @param chars the text
   * @param offset where the Base64 text starts
   * @param len its length in chars
   * @return the decoded bytes
   * @throws IllegalArgumentException naming the problem and its position (never echoing the input)
   * @throws IndexOutOfBoundsException if the slice is not inside the array
   */
  public static byte[] decode(char[] chars, int offset, int len) {
    Objects.checkFromIndexSize(offset, len, chars.length);
    if (len == 0) {
      return new byte[0];
    }
    if (len % 4 != 0) {
      throw new IllegalArgumentException(
          "Base64 length " + len + " is not a multiple of 4 (padding missing or text truncated)");
    }
    int padding = 0;
    if (chars[offset + len - 1] == '=') {
      padding = chars[offset + len - 2] == '=' ? 2 : 1;
    }
    int outLen = len / 4 * 3 - padding;
    byte[] out = new byte[outLen];
    int o = 0;
    int i = 0;
    // Full quads of data characters.
    int fullQuadsEnd = padding == 0 ? len : len - 4;
    while (i < fullQuadsEnd) {
      int p = offset + i;
      char c0 = chars[p];
      char c1 = chars[p + 1];
      char c2 = chars[p + 2];
      char c3 = chars[p + 3];
      // One test per quad: a character outside the alphabet has the value -1, which makes the
      // combined bits negative whichever position it is in.
      int bits = (c0 | c1 | c2 | c3) < 256
          ? DECODE[c0] << 18 | DECODE[c1] << 12 | DECODE[c2] << 6 | DECODE[c3]
          : -1;
      if (bits < 0) {
        // Find the offending character, for the message (it throws).
        bits = value(chars, offset, i) << 18 | value(chars, offset, i + 1) << 12
            | value(chars, offset, i + 2) << 6 | value(chars, offset, i + 3);
      }
      out[o++] = (byte) (bits >> 16);
      out[o++] = (byte) (bits >> 8);
      out[o++] = (byte) bits;
      i += 4;
    }
    if (padding > 0) {
      int b0 = value(chars, offset, i);
      int b1 = value(chars, offset, i + 1);
      if (padding == 1) {
        int b2 = value(chars, offset, i + 2);
        if ((b2 & 0x3) != 0) {
          throw nonCanonical(i + 2);
        }
        int bits = b0 << 18 | b1 << 12 | b2 << 6;
        out[o++] = (byte) (bits >> 16);
        out[o++] = (byte) (bits >> 8);
      } else {
        if ((b1 & 0xF) != 0) {
          throw nonCanonical(i + 1);
        }
        out[o++] = (byte) ((b0 << 18 | b1 << 12) >> 16);
      }
    }
    return out;
  }

  private static int value(char[] chars, int offset, int index) {
    char c = chars[offset + index];
    int v = c < 256 ? DECODE[c] : -1;
    if (v < 0) {
      if (c == '=') {
        throw new IllegalArgumentException(
            "Base64 padding '=' at position " + index + " before the end of the text");
      }
      throw new IllegalArgumentException(
          "Base64 has an illegal character " + describe(c) + " at position " + index);
    }
    return v;
  }

  /**
   * The 6-bit value of one Base64 character.
   *
   * @param c a character (or byte)
   * @return its value, or -1 if it is not in the standard alphabet
   */
  static int value(int c) {
    return c >= 0 && c < 256 ? DECODE[c] : -1;
  }

  private static IllegalArgumentException nonCanonical(int index) {
    return new IllegalArgumentException(
        "Base64 is not canonical: the unused bits of the character at position " + index
            + " before the padding are not zero");
  }

  private static String describe(char c) {
    if (c >= 0x21 && c < 0x7f) {
      return "'" + c + "' (0x" + Integer.toHexString(c) + ")";
    }
    return String.format("U+%04X", (int) c);
  }
}
