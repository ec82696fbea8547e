package dev.iotforwarder.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.EnvelopeCodec;
import dev.iotforwarder.EnvelopeFormatException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Bad input: mutations of valid envelopes (truncations, flipped bytes, wrong types, huge numbers,
 * deep nesting, invalid UTF-8, bad Base64, and more) through {@link EnvelopeCodec#decode(byte[])} and
 * {@link EnvelopeCodec#decode(java.io.InputStream)}. Each input must either decode to a valid message
 * (which re-encodes and decodes to itself, the same on both paths) or fail with an {@link
 * EnvelopeFormatException} whose message names the field at fault or the envelope; nothing else, no
 * hang (the whole run is bounded), no {@link OutOfMemoryError}.
 */
@ExtendWith(ReliabilityExtension.class)
class FuzzedEnvelopesTest {
  static final int COUNT = Integer.getInteger("reliability.fuzz.count", 100_000);
  static final long SEED = Long.getLong("reliability.fuzz.seed", 20261201L);
  static final Set<String> FIELDS = Set.of("MsgType", "Event", "Topic", "Seq", "PayloadLen", "DeviceId",
      "ProductName", "DeviceName", "Payload");

  private static final EnvelopeCodec STANDARD = EnvelopeCodec.standard();
  private static final EnvelopeCodec STRICT = EnvelopeCodec.builder().strict(true).build();

  @Test
  @DisplayName("100,000 fuzzed envelopes: each decodes to a valid message or fails naming the field; nothing else, no hang, no OOM")
  void fuzzedEnvelopes() {
    long start = System.nanoTime();
    Map<String, Long> byField = Collections.synchronizedMap(new LinkedHashMap<>());
    Map<String, Long> byMutation = new LinkedHashMap<>();
    List<String> failures = new ArrayList<>();
    long[] outcome = new long[3]; // decoded, rejected, slowest decode in ns
    long bound = Math.max(240, COUNT / 400);
    long heapBefore = Sampler.heapUsed();
    long[] maxHeap = {heapBefore};
    assertTimeoutPreemptively(Duration.ofSeconds(bound), () -> {
      Random rnd = new Random(SEED);
      for (int i = 0; i < COUNT; i++) {
        Fuzz fuzz = new Fuzz(rnd);
        byte[] input = fuzz.next();
        for (String kind : fuzz.kinds()) {
          byMutation.merge(kind, 1L, Long::sum);
        }
        EnvelopeCodec codec = i % 10 == 9 ? STRICT : STANDARD;
        long t0 = System.nanoTime();
        Result bytes = decode(codec, input, false);
        Result stream = decode(codec, input, true);
        outcome[2] = Math.max(outcome[2], (System.nanoTime() - t0) / 2);
        String problem = check(codec, bytes, stream);
        if (problem != null) {
          if (failures.size() < 10) {
            failures.add("#" + i + " [" + fuzz.describe() + "] " + problem + "; input (" + input.length
                + " bytes): " + hex(input));
          } else {
            failures.add("");
          }
        } else if (bytes.message != null) {
          outcome[0]++;
        } else {
          outcome[1]++;
          String field = bytes.error.field();
          byField.merge(FIELDS.contains(field) || field.equals(EnvelopeFormatException.WHOLE_ENVELOPE)
              ? field : "(unknown field, strict mode)", 1L, Long::sum);
        }
        if ((i & 1023) == 0) {
          maxHeap[0] = Math.max(maxHeap[0], Sampler.heapUsed());
        }
      }
    }, "the fuzz run did not finish within the bound: a decode hangs or is pathologically slow");
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    System.out.printf("[fuzz] seed %d, %d inputs: %d decoded, %d rejected, %d wrong; slowest decode %.1f ms%n",
        SEED, COUNT, outcome[0], outcome[1], failures.size(), outcome[2] / 1e6);
    System.out.println("[fuzz] rejected by field: " + byField);
    System.out.println("[fuzz] mutations applied: " + byMutation);
    Figures.report(new Figures.Row("Bad input (fuzzed envelopes)", COUNT, failures.size(), 0, "n/a", 0,
        maxHeap[0] >> 20, took, outcome[0] + " decoded, " + outcome[1]
            + " rejected naming the field, 0 other exceptions; slowest decode "
            + String.format("%.1f ms", outcome[2] / 1e6) + "; seed " + SEED));
    assertThat(failures).as("inputs that neither decoded to a valid message nor failed with an "
        + "EnvelopeFormatException naming the field").isEmpty();
    assertThat(outcome[0]).as("some inputs still decode (the fuzzer does not only produce garbage)").isPositive();
    assertThat(byField.keySet()).as("failures name many different fields").contains("envelope", "Payload", "Seq",
        "PayloadLen", "DeviceId", "MsgType");
  }

  private record Result(DeviceMessage message, EnvelopeFormatException error, Throwable other) {}

  private static Result decode(EnvelopeCodec codec, byte[] input, boolean stream) {
    try {
      DeviceMessage m = stream ? codec.decode(new ByteArrayInputStream(input)) : codec.decode(input);
      return new Result(m, null, null);
    } catch (EnvelopeFormatException e) {
      return new Result(null, e, null);
    } catch (Throwable t) { // includes OutOfMemoryError and StackOverflowError: each is a finding
      return new Result(null, null, t);
    }
  }

  /** Null if both results are acceptable and agree; otherwise what is wrong. */
  private static String check(EnvelopeCodec codec, Result bytes, Result stream) {
    for (Result r : List.of(bytes, stream)) {
      String path = r == bytes ? "decode(byte[])" : "decode(InputStream)";
      if (r.other != null) {
        return path + " threw " + r.other;
      }
      if (r.error != null) {
        EnvelopeFormatException e = r.error;
        String msg = e.getMessage();
        if (msg == null || msg.isBlank()) {
          return path + " threw an EnvelopeFormatException without a message";
        }
        String field = e.field();
        boolean known = FIELDS.contains(field) || field.equals(EnvelopeFormatException.WHOLE_ENVELOPE)
            || codec.strict();
        String named = field.length() > 64 ? field.substring(0, 64) : field;
        if (!known || !msg.contains(named)) {
          return path + " threw an EnvelopeFormatException whose field is \"" + field
              + "\" and whose message does not name it: " + msg;
        }
      } else {
        DeviceMessage m = r.message;
        DeviceMessage again = codec.decode(codec.encode(m));
        if (!again.equals(m)) {
          return path + " decoded a message that does not survive re-encoding: " + m;
        }
      }
    }
    if ((bytes.message == null) != (stream.message == null)) {
      return "decode(byte[]) and decode(InputStream) disagree: " + (bytes.message != null ? bytes.message
          : bytes.error.getMessage()) + " vs " + (stream.message != null ? stream.message : stream.error.getMessage());
    }
    if (bytes.message != null && !bytes.message.equals(stream.message)) {
      return "decode(byte[]) and decode(InputStream) decoded different messages";
    }
    return null;
  }

  private static String hex(byte[] b) {
    byte[] head = b.length <= 400 ? b : java.util.Arrays.copyOf(b, 400);
    return HexFormat.of().formatHex(head) + (b.length > 400 ? "..." : "");
  }

  /** Makes one input: a valid envelope, then structural and byte-level mutations. */
  static final class Fuzz {
    private final Random rnd;
    private final List<String> applied = new ArrayList<>(4);

    Fuzz(Random rnd) {
      this.rnd = rnd;
    }

    String describe() {
      return applied.isEmpty() ? "valid" : String.join("+", applied);
    }

    List<String> kinds() {
      return applied.isEmpty() ? List.of("none") : applied.stream().map(a -> a.replaceAll("\\(.*", "")).toList();
    }

    byte[] next() {
      List<String[]> fields = base();
      int structural = rnd.nextInt(10) < 1 ? 0 : 1 + rnd.nextInt(2);
      for (int i = 0; i < structural; i++) {
        mutate(fields);
      }
      if (rnd.nextInt(4) == 0) {
        Collections.shuffle(fields, rnd);
      }
      byte[] bytes = serialize(fields);
      int byteLevel = structural == 0 ? (rnd.nextInt(10) < 3 ? 0 : 1) : (rnd.nextInt(3) == 0 ? 1 : 0);
      for (int i = 0; i < byteLevel; i++) {
        bytes = mutate(bytes);
      }
      return bytes;
    }

    // ------------------------------------------------------------------ a valid envelope

    private static final String[] PRODUCTS = {"p1", "SmartMeter", "产品-01", "prod 😀", "a\"b\\c", "x/y"};
    private static final String[] EVENTS = {"Online", "Offline", "Connected", "状态"};

    List<String[]> base() {
      boolean status = rnd.nextInt(4) == 0;
      String product = PRODUCTS[rnd.nextInt(PRODUCTS.length)];
      String device = "dev-" + rnd.nextInt(100_000);
      byte[] payload = new byte[status ? rnd.nextInt(3) * rnd.nextInt(40) : rnd.nextInt(300)];
      rnd.nextBytes(payload);
      String deviceId = rnd.nextBoolean() ? Long.toString(rnd.nextLong() & Long.MAX_VALUE)
          : "1844674407370955161" + rnd.nextInt(10) + rnd.nextInt(10);
      List<String[]> f = new ArrayList<>(10);
      f.add(new String[] {"MsgType", str(status ? "Status" : "Publish")});
      f.add(new String[] {"Event", str(status ? EVENTS[rnd.nextInt(EVENTS.length)] : "")});
      f.add(new String[] {"Topic", str(status && rnd.nextBoolean() ? "" : product + "/" + device + "/data")});
      f.add(new String[] {"Seq", Long.toString(rnd.nextInt(3) == 0 ? rnd.nextLong() & Long.MAX_VALUE : rnd.nextInt(1000))});
      f.add(new String[] {"PayloadLen", Integer.toString(payload.length)});
      f.add(new String[] {"DeviceId", rnd.nextInt(5) == 0 ? deviceId : str(deviceId)});
      f.add(new String[] {"ProductName", str(product)});
      f.add(new String[] {"DeviceName", str(device)});
      f.add(new String[] {"Payload", str(Base64.getEncoder().encodeToString(payload))});
      return f;
    }

    private String str(String s) {
      StringBuilder b = new StringBuilder(s.length() + 2).append('"');
      boolean escapeAll = rnd.nextInt(20) == 0;
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        if (c == '"' || c == '\\') {
          b.append('\\').append(c);
        } else if (c < 0x20 || escapeAll || (c > 0x7e && rnd.nextInt(8) == 0)) {
          b.append(String.format("\\u%04x", (int) c));
        } else {
          b.append(c);
        }
      }
      return b.append('"').toString();
    }

    private byte[] serialize(List<String[]> fields) {
      String ws = rnd.nextInt(6) == 0 ? " \n\t" : "";
      StringBuilder b = new StringBuilder(512).append(ws).append('{');
      for (int i = 0; i < fields.size(); i++) {
        if (i > 0) {
          b.append(',').append(ws);
        }
        b.append('"').append(fields.get(i)[0]).append('"').append(ws).append(':').append(fields.get(i)[1]);
      }
      return b.append(ws).append('}').append(ws).toString().getBytes(StandardCharsets.UTF_8);
    }

    // ------------------------------------------------------------------ structural mutations

    private static final String[] WRONG_VALUES = {
      "null", "true", "false", "0", "-1", "1.5", "-0.0", "1e3", "\"\"", "\"text\"", "[]", "{}", "[1,2]",
      "{\"a\":1}", "[\"Publish\"]", "\"Publish\"", "\"12\"", "-9", "18446744073709551616"
    };
    private static final String[] HUGE_NUMBERS = {
      "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
      "99999999999999999999999999999999", "1e400", "-1e400", "1E-400", "123456789012345678901234567890.5",
      "0.0000000000000000000000001", "00", "01", "-0", "+1", "0x10", "NaN", "Infinity", "-Infinity", "1.",
      ".5", "1e", "18446744073709551615"
    };

    void mutate(List<String[]> f) {
      switch (rnd.nextInt(12)) {
        case 0 -> {
          String[] x = pick(f);
          x[1] = WRONG_VALUES[rnd.nextInt(WRONG_VALUES.length)];
          applied.add("wrongType(" + x[0] + ")");
        }
        case 1 -> {
          String[] x = pickNamed(f, "Seq", "PayloadLen", "DeviceId");
          x[1] = rnd.nextInt(5) == 0 ? longDigits(60 + rnd.nextInt(20_000)) : HUGE_NUMBERS[rnd.nextInt(HUGE_NUMBERS.length)];
          applied.add("hugeNumber(" + x[0] + ")");
        }
        case 2 -> {
          if (!f.isEmpty()) {
            applied.add("missing(" + f.remove(rnd.nextInt(f.size()))[0] + ")");
          }
        }
        case 3 -> {
          String[] x = pick(f);
          f.add(rnd.nextInt(f.size() + 1), new String[] {x[0], rnd.nextBoolean() ? x[1] : "\"other\""});
          applied.add("duplicate(" + x[0] + ")");
        }
        case 4 -> {
          f.add(rnd.nextInt(f.size() + 1), new String[] {unknownName(), randomJson(3)});
          applied.add("unknownField");
        }
        case 5 -> {
          int depth = new int[] {8, 31, 32, 33, 100, 5_000, 200_000}[rnd.nextInt(7)];
          String nested = nest(depth, rnd.nextInt(4) == 0);
          if (rnd.nextBoolean()) {
            f.add(rnd.nextInt(f.size() + 1), new String[] {"Extra", nested});
          } else {
            pick(f)[1] = nested;
          }
          applied.add("deepNesting(" + depth + ")");
        }
        case 6 -> {
          String[] x = pickNamed(f, "Payload");
          x[1] = badBase64(x[1]);
          applied.add("badBase64");
        }
        case 7 -> {
          String[] x = pickNamed(f, "MsgType");
          x[1] = new String[] {"\"publish\"", "\"STATUS\"", "\"\"", "\"Publish \"", "\"Pub\\u006cish\"",
              "\"Other\"", "\"Publish\\u0000\""}[rnd.nextInt(7)];
          applied.add("msgType");
        }
        case 8 -> {
          String[] x = pickNamed(f, "Event", "Topic", "ProductName", "DeviceName");
          x[1] = rnd.nextBoolean() ? "\"\"" : "\"Online\"";
          applied.add("semantics(" + x[0] + ")");
        }
        case 9 -> {
          String[] x = pickNamed(f, "Event", "Topic", "ProductName", "DeviceName", "DeviceId", "Payload", "MsgType");
          String bad = new String[] {"\\x41", "\\ud800", "\\udc00\\ud800", "\\u12", "\\u12zz", "\\", "\\'",
              "\u0001", "\t", "\n", "\\uD83D\\uDE00"}[rnd.nextInt(11)];
          String v = x[1].length() >= 2 && x[1].startsWith("\"") ? x[1] : "\"\"";
          int at = 1 + rnd.nextInt(Math.max(1, v.length() - 1));
          x[1] = v.substring(0, at) + bad + v.substring(at);
          applied.add("badEscape(" + x[0] + ")");
        }
        case 10 -> {
          String[] x = pickNamed(f, "Topic", "DeviceName", "Event", "Payload");
          int r = rnd.nextInt(200);
          int len = r == 0 ? EnvelopeCodec.DEFAULT_MAX_ENVELOPE_BYTES + 16
              : r < 20 ? 100_000 + rnd.nextInt(200_000) : 1_000 + rnd.nextInt(9_000);
          char c = x[0].equals("Payload") ? 'A' : 'z';
          x[1] = "\"" + String.valueOf(c).repeat(len) + "\"";
          applied.add("hugeString(" + x[0] + ")");
        }
        default -> {
          String[] x = pickNamed(f, "PayloadLen");
          x[1] = Integer.toString(rnd.nextInt(400));
          applied.add("payloadLen");
        }
      }
    }

    private String[] pick(List<String[]> f) {
      if (f.isEmpty()) {
        f.add(new String[] {"Seq", "1"});
      }
      return f.get(rnd.nextInt(f.size()));
    }

    private String[] pickNamed(List<String[]> f, String... names) {
      String name = names[rnd.nextInt(names.length)];
      for (String[] x : f) {
        if (x[0].equals(name)) {
          return x;
        }
      }
      String[] x = {name, "\"\""};
      f.add(x);
      return x;
    }

    private String unknownName() {
      return switch (rnd.nextInt(5)) {
        case 0 -> "Timestamp";
        case 1 -> "msgtype";
        case 2 -> "x".repeat(70 + rnd.nextInt(100));
        case 3 -> "Payload ";
        default -> "F" + rnd.nextInt(1000);
      };
    }

    private String randomJson(int depth) {
      int k = depth <= 0 ? rnd.nextInt(4) : rnd.nextInt(6);
      return switch (k) {
        case 0 -> Integer.toString(rnd.nextInt());
        case 1 -> "\"s" + rnd.nextInt(100) + "\"";
        case 2 -> "null";
        case 3 -> rnd.nextBoolean() ? "true" : "1.25e2";
        case 4 -> "[" + randomJson(depth - 1) + "," + randomJson(depth - 1) + "]";
        default -> "{\"k\":" + randomJson(depth - 1) + "}";
      };
    }

    private String nest(int depth, boolean unclosed) {
      boolean objects = rnd.nextBoolean();
      StringBuilder b = new StringBuilder(depth * (objects ? 6 : 2) + 4);
      for (int i = 0; i < depth; i++) {
        b.append(objects ? "{\"a\":" : "[");
      }
      b.append('1');
      if (!unclosed) {
        for (int i = 0; i < depth; i++) {
          b.append(objects ? '}' : ']');
        }
      }
      return b.toString();
    }

    private String longDigits(int n) {
      StringBuilder b = new StringBuilder(n + 1).append(rnd.nextBoolean() ? "-" : "").append((char) ('1' + rnd.nextInt(9)));
      for (int i = 1; i < n; i++) {
        b.append((char) ('0' + rnd.nextInt(10)));
      }
      return b.toString();
    }

    private String badBase64(String quoted) {
      String v = quoted.length() >= 2 && quoted.startsWith("\"") && quoted.endsWith("\"")
          ? quoted.substring(1, quoted.length() - 1) : "QUJD";
      int at = v.isEmpty() ? 0 : rnd.nextInt(v.length() + 1);
      String out = switch (rnd.nextInt(10)) {
        case 0 -> v.isEmpty() ? "A" : v.substring(0, v.length() - 1); // length not a multiple of 4
        case 1 -> v.substring(0, at) + "=" + v.substring(at);
        case 2 -> v.substring(0, at) + " " + v.substring(at);
        case 3 -> v.substring(0, at) + "\\n" + v.substring(at);
        case 4 -> v.substring(0, at) + "-_" + v.substring(at);
        case 5 -> v.substring(0, at) + "é" + v.substring(at);
        case 6 -> v + "====";
        case 7 -> "QR=="; // non-canonical: unused bits set
        case 8 -> "QUI="; // decodes to "AB": 2 bytes that PayloadLen rarely matches
        default -> v.substring(0, at) + "\\u0000" + v.substring(at);
      };
      return "\"" + out + "\"";
    }

    // ------------------------------------------------------------------ byte-level mutations

    private static final byte[][] INVALID_UTF8 = {
      {(byte) 0xff}, {(byte) 0xc0, (byte) 0xaf}, {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, {(byte) 0xe2, (byte) 0x82},
      {(byte) 0xf8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80}, {(byte) 0x80}, {(byte) 0xc3},
      {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, {(byte) 0xfe, (byte) 0xff}, {0}
    };

    byte[] mutate(byte[] b) {
      switch (rnd.nextInt(9)) {
        case 0 -> {
          applied.add("truncate");
          return java.util.Arrays.copyOf(b, rnd.nextInt(Math.max(1, b.length)));
        }
        case 1 -> {
          byte[] c = b.clone();
          int n = 1 + rnd.nextInt(4);
          for (int i = 0; i < n && c.length > 0; i++) {
            c[rnd.nextInt(c.length)] ^= (byte) (1 << rnd.nextInt(8));
          }
          applied.add("flipBits");
          return c;
        }
        case 2 -> {
          applied.add("invalidUtf8");
          return insert(b, rnd.nextInt(b.length + 1), INVALID_UTF8[rnd.nextInt(INVALID_UTF8.length)]);
        }
        case 3 -> {
          applied.add("invalidUtf8InString");
          int quote = indexOfQuoteAfter(b, rnd.nextInt(Math.max(1, b.length)));
          return insert(b, quote < 0 ? 0 : quote + 1, INVALID_UTF8[rnd.nextInt(INVALID_UTF8.length)]);
        }
        case 4 -> {
          applied.add("deleteRange");
          if (b.length == 0) {
            return b;
          }
          int from = rnd.nextInt(b.length);
          int to = Math.min(b.length, from + 1 + rnd.nextInt(20));
          ByteArrayOutputStream o = new ByteArrayOutputStream(b.length);
          o.write(b, 0, from);
          o.write(b, to, b.length - to);
          return o.toByteArray();
        }
        case 5 -> {
          applied.add("trailing");
          byte[] tail = new String[] {" x", "{}", "}", ",", " null", "\u0000", "]"}[rnd.nextInt(7)]
              .getBytes(StandardCharsets.UTF_8);
          return insert(b, b.length, tail);
        }
        case 6 -> {
          String[] cs = {"UTF-16BE", "UTF-16LE", "UTF-32BE", "UTF-32LE", "UTF-8-BOM"};
          String cs1 = cs[rnd.nextInt(cs.length)];
          applied.add("encoding(" + cs1 + ")");
          String text = new String(b, StandardCharsets.UTF_8);
          if (cs1.equals("UTF-8-BOM")) {
            return insert(b, 0, new byte[] {(byte) 0xef, (byte) 0xbb, (byte) 0xbf});
          }
          byte[] enc = text.getBytes(Charset.forName(cs1));
          return rnd.nextBoolean() && cs1.startsWith("UTF-16")
              ? insert(enc, 0, cs1.endsWith("BE") ? new byte[] {(byte) 0xfe, (byte) 0xff} : new byte[] {(byte) 0xff, (byte) 0xfe})
              : enc;
        }
        case 7 -> {
          applied.add("randomBytes");
          byte[] r = new byte[rnd.nextInt(600)];
          rnd.nextBytes(r);
          if (r.length > 0 && rnd.nextBoolean()) {
            r[0] = '{';
          }
          return r;
        }
        default -> {
          applied.add("insertByte");
          return insert(b, rnd.nextInt(b.length + 1), new byte[] {(byte) rnd.nextInt(256)});
        }
      }
    }

    private static int indexOfQuoteAfter(byte[] b, int from) {
      for (int i = from; i < b.length; i++) {
        if (b[i] == '"') {
          return i;
        }
      }
      return -1;
    }

    private static byte[] insert(byte[] b, int at, byte[] what) {
      byte[] out = new byte[b.length + what.length];
      System.arraycopy(b, 0, out, 0, at);
      System.arraycopy(what, 0, out, at, what.length);
      System.arraycopy(b, at, out, at + what.length, b.length - at);
      return out;
    }
  }
}
