package dev.iotforwarder.cmq.internal;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;

/**
 * Writes {@code application/x-www-form-urlencoded} bodies in one pass into one byte array: unreserved
 * characters ({@code A-Z a-z 0-9 - _ . *}) as they are, space as {@code +}, every other UTF-8 byte as
 * {@code %XX} (upper-case hex). The same output as {@link java.net.URLEncoder} with UTF-8, without
 * building a {@code String} per value.
 */
public final class FormEncoder {
  private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);
  private static final boolean[] UNRESERVED = new boolean[128];

  static {
    for (char c = 'a'; c <= 'z'; c++) {
      UNRESERVED[c] = true;
    }
    for (char c = 'A'; c <= 'Z'; c++) {
      UNRESERVED[c] = true;
    }
    for (char c = '0'; c <= '9'; c++) {
      UNRESERVED[c] = true;
    }
    UNRESERVED['-'] = true;
    UNRESERVED['_'] = true;
    UNRESERVED['.'] = true;
    UNRESERVED['*'] = true;
  }

  private byte[] buf;
  private int len;

  private FormEncoder(int capacity) {
    this.buf = new byte[Math.max(64, capacity)];
  }

  /**
   * Encodes every parameter, in map order, as {@code name=value} joined by {@code &}.
   *
   * @param params the parameters
   * @return the body bytes
   */
  public static byte[] encode(Map<String, String> params) {
    int estimate = 0;
    for (Map.Entry<String, String> e : params.entrySet()) {
      estimate += e.getKey().length() + e.getValue().length() + 2;
    }
    FormEncoder enc = new FormEncoder(estimate + estimate / 4);
    boolean first = true;
    for (Map.Entry<String, String> e : params.entrySet()) {
      if (!first) {
        enc.put((byte) '&');
      }
      first = false;
      enc.append(e.getKey());
      enc.put((byte) '=');
      enc.append(e.getValue());
    }
    return enc.len == enc.buf.length ? enc.buf : Arrays.copyOf(enc.buf, enc.len);
  }

  private void append(String s) {
    int n = s.length();
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c < 128) {
        if (UNRESERVED[c]) {
          put((byte) c);
        } else if (c == ' ') {
          put((byte) '+');
        } else {
          escape(c);
        }
      } else if (c < 0x800) {
        escape(0xC0 | (c >> 6));
        escape(0x80 | (c & 0x3F));
      } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
        int cp = Character.toCodePoint(c, s.charAt(++i));
        escape(0xF0 | (cp >> 18));
        escape(0x80 | ((cp >> 12) & 0x3F));
        escape(0x80 | ((cp >> 6) & 0x3F));
        escape(0x80 | (cp & 0x3F));
      } else if (Character.isSurrogate(c)) {
        escape('?'); // a lone surrogate, as String.getBytes(UTF_8) writes it
      } else {
        escape(0xE0 | (c >> 12));
        escape(0x80 | ((c >> 6) & 0x3F));
        escape(0x80 | (c & 0x3F));
      }
    }
  }

  private void escape(int b) {
    ensure(3);
    buf[len++] = '%';
    buf[len++] = HEX[(b >> 4) & 0xF];
    buf[len++] = HEX[b & 0xF];
  }

  private void put(byte b) {
    ensure(1);
    buf[len++] = b;
  }

  private void ensure(int extra) {
    if (len + extra > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + extra));
    }
  }
}
