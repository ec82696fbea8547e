package dev.iotforwarder.cmq.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Seeded fuzzing of the reply parser: 100,000 mutations of valid replies of every action go through
 * {@link ReplyMapper#read} and every result mapper. The only exception allowed is an {@link
 * IOException} (which the client turns into a transport {@code CmqException}); anything else fails
 * the test with the seed and the input. The seed is printed; rerun one with {@code
 * -Diotforwarder.test.seed=N}. A failure found here becomes a fixed example in {@link #foundExamples}.
 */
class ReplyFuzzTest {
  private static final int MUTATIONS = 100_000;
  private static final String[] VALID = {
    "{\"code\":0,\"message\":\"\",\"requestId\":\"r-1\",\"msgId\":\"id-1\"}",
    "{\"code\":0,\"message\":\"\",\"requestId\":\"r-2\",\"msgList\":[{\"msgId\":\"a\"},{\"msgId\":\"b\"}]}",
    "{\"code\":0,\"message\":\"\",\"requestId\":\"r-3\",\"msgBody\":\"{\\\"deviceId\\\":\\\"d-1\\\",\\\"t\\\":1}\","
        + "\"msgId\":\"m-1\",\"receiptHandle\":\"h-1\",\"enqueueTime\":1700000000,\"nextVisibleTime\":1700000030,"
        + "\"firstDequeueTime\":1700000000,\"dequeueCount\":1}",
    "{\"code\":0,\"message\":\"\",\"requestId\":\"r-4\",\"msgInfoList\":[{\"msgBody\":\"b\\u00e9\\n1\",\"msgId\":\"m-1\","
        + "\"receiptHandle\":\"h-1\",\"enqueueTime\":\"1700000000\",\"dequeueCount\":3},{\"msgBody\":\"x\","
        + "\"msgId\":\"m-2\",\"receiptHandle\":\"h-2\",\"dequeueCount\":1}]}",
    "{\"code\":6010,\"message\":\"(10550)partly failed\",\"requestId\":\"r-5\",\"errorList\":[{\"code\":4430,"
        + "\"message\":\"expired\",\"receiptHandle\":\"h-9\"}]}",
    "{\"code\":7000,\"message\":\"(10200)no message\",\"requestId\":\"r-6\"}",
    "{\"code\":4420,\"message\":\"(10250)qps limit\",\"requestId\":\"r-7\",\"clientRequestId\":0}",
  };
  private static final String[] TOKENS = {
    "{", "}", "[", "]", ",", ":", "\"", "\\", "null", "true", "-1", "1e999", "99999999999999999999",
    "\"code\"", "\"msgInfoList\"", "\"errorList\"", "\"msgList\"", "\"dequeueCount\"", "\u0000", "\uD800",
    "<html>", "{\"code\":0}", "[[[[[[[[", "\"\\u12\"", "NaN", "0x10",
  };

  private final JsonFactory json = ReplyLimits.jsonFactory();

  @Test
  void mutatedValidRepliesFailOnlyWithIoExceptions() {
    long seed = Long.getLong("iotforwarder.test.seed", System.nanoTime());
    System.out.println("ReplyFuzzTest seed " + seed + " (rerun with -Diotforwarder.test.seed=" + seed + ")");
    Random random = new Random(seed);
    int rejected = 0;
    int accepted = 0;
    Runtime rt = Runtime.getRuntime();
    System.gc();
    long before = rt.totalMemory() - rt.freeMemory();
    long highWater = 0;
    for (int i = 0; i < MUTATIONS; i++) {
      byte[] input = mutate(random, VALID[random.nextInt(VALID.length)].getBytes(StandardCharsets.UTF_8));
      if (parseAndMap(input, seed, i)) {
        accepted++;
      } else {
        rejected++;
      }
      if (i % 1000 == 0) {
        highWater = Math.max(highWater, rt.totalMemory() - rt.freeMemory());
      }
    }
    System.gc();
    long after = rt.totalMemory() - rt.freeMemory();
    System.out.printf("ReplyFuzzTest: %d mutated replies, %d parsed, %d rejected with an IOException, "
        + "heap high-water %d MiB (garbage included), retained after GC %+d KiB%n", MUTATIONS, accepted,
        rejected, highWater >> 20, (after - before) >> 10);
    assertThat(accepted + rejected).isEqualTo(MUTATIONS);
    assertThat(rejected).as("the mutations reach the error paths").isPositive();
    assertThat(accepted).as("the mutations reach the success paths").isPositive();
  }

  @Test
  void foundExamples() {
    // No failure found so far; each found one is added here as a fixed input.
    for (String s : new String[] {"{\"code\":0,\"msgInfoList\":[1,\"x\",null,{}]}", "{\"code\":0,\"errorList\":{}}",
        "{\"code\":0,\"msgList\":[null,{\"msgId\":{}}]}", "{\"code\":\"\"}", "{\"code\":0} trailing"}) {
      parseAndMap(s.getBytes(StandardCharsets.UTF_8), -1, 0);
    }
  }

  /** Parses and maps one input; true if it parsed, false if it was rejected with an IOException. */
  private boolean parseAndMap(byte[] input, long seed, int i) {
    CmqReply r;
    try {
      r = ReplyMapper.read(json, new ByteArrayInputStream(input));
    } catch (IOException e) {
      return false;
    } catch (RuntimeException | StackOverflowError e) {
      throw new AssertionError("seed " + seed + " mutation " + i + " input "
          + new String(input, StandardCharsets.UTF_8) + " threw " + e, e);
    }
    try {
      CmqResults.ids(r);
      CmqResults.message(r);
      CmqResults.messages(r);
      CmqResults.deleteFailures(r);
    } catch (RuntimeException e) {
      throw new AssertionError("seed " + seed + " mutation " + i + " input "
          + new String(input, StandardCharsets.UTF_8) + " mapped with " + e, e);
    }
    return true;
  }

  private static byte[] mutate(Random random, byte[] valid) {
    List<Byte> b = new ArrayList<>(valid.length + 16);
    for (byte x : valid) {
      b.add(x);
    }
    int edits = 1 + random.nextInt(4);
    for (int e = 0; e < edits && !b.isEmpty(); e++) {
      int at = random.nextInt(b.size());
      switch (random.nextInt(6)) {
        case 0 -> b.set(at, (byte) random.nextInt(256));
        case 1 -> b.remove(at);
        case 2 -> b.subList(at, b.size()).clear();
        case 3 -> {
          byte[] t = TOKENS[random.nextInt(TOKENS.length)].getBytes(StandardCharsets.UTF_8);
          for (int k = t.length - 1; k >= 0; k--) {
            b.add(at, t[k]);
          }
        }
        case 4 -> {
          int end = Math.min(b.size(), at + 1 + random.nextInt(24));
          b.addAll(at, new ArrayList<>(b.subList(at, end)));
        }
        default -> b.set(at, (byte) (b.get(at) ^ (1 << random.nextInt(8))));
      }
    }
    byte[] out = new byte[b.size()];
    for (int k = 0; k < out.length; k++) {
      out[k] = b.get(k);
    }
    return out;
  }
}
