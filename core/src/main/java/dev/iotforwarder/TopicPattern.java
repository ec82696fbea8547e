package dev.iotforwarder;

/** A compiled MQTT-style topic pattern ({@code +} one level, trailing {@code #} any levels). */
final class TopicPattern {
  private final String[] levels;
  private final boolean multiLevel;

  private TopicPattern(String[] levels, boolean multiLevel) {
    this.levels = levels;
    this.multiLevel = multiLevel;
  }

  static TopicPattern compile(String pattern) {
    if (pattern == null || pattern.isEmpty()) {
      throw new IllegalArgumentException("topic pattern is empty");
    }
    String[] parts = pattern.split("/", -1);
    boolean multi = false;
    for (int i = 0; i < parts.length; i++) {
      String level = parts[i];
      if (level.contains("#")) {
        if (!level.equals("#") || i != parts.length - 1) {
          throw new IllegalArgumentException(
              "topic pattern \"" + pattern + "\": '#' must be the whole last level");
        }
        multi = true;
      } else if (level.contains("+") && !level.equals("+")) {
        throw new IllegalArgumentException(
            "topic pattern \"" + pattern + "\": '+' must be a whole level");
      }
    }
    String[] fixed = multi ? java.util.Arrays.copyOf(parts, parts.length - 1) : parts;
    return new TopicPattern(fixed, multi);
  }

  boolean matches(String topic) {
    int level = 0;
    int start = 0;
    int len = topic.length();
    while (level < levels.length) {
      if (start > len) {
        return false; // topic has fewer levels than the pattern
      }
      int end = topic.indexOf('/', start);
      if (end < 0) {
        end = len;
      }
      String want = levels[level];
      if (!want.equals("+") && !topic.regionMatches(start, want, 0, Math.max(want.length(), end - start))) {
        return false;
      }
      if (!want.equals("+") && want.length() != end - start) {
        return false;
      }
      level++;
      start = end + 1;
    }
    // All pattern levels matched; start is past the last matched level's separator.
    return multiLevel || start == len + 1;
  }
}
