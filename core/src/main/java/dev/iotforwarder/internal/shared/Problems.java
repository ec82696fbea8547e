package dev.iotforwarder.internal.shared;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Collects everything wrong with a builder's settings, so that {@code build()} reports every problem
 * at once, in one message style:
 *
 * <pre>Invalid CmqSink configuration: maxBatchCount was 17 but must be in [1, 16]; queue or topic is required</pre>
 *
 * <p>Each problem names the setting, the value it had and the rule it broke ({@code "X was V but must
 * be R"}); {@link #add(String)} takes a free-form sentence for rules that span settings. Not
 * thread-safe: one instance per {@code build()} call.
 */
public final class Problems {
  private final String subject;
  private final List<String> problems = new ArrayList<>(2);

  private Problems(String subject) {
    this.subject = subject;
  }

  /**
   * Starts a list of problems.
   *
   * @param subject what is being built, as the error names it: {@code "CmqSink configuration"}
   * @return an empty list
   */
  public static Problems of(String subject) {
    return new Problems(subject);
  }

  /**
   * Adds a problem in free form, for rules that span several settings.
   *
   * @param problem the problem, e.g. {@code "queue and topic are both set; choose one"}
   * @return this
   */
  public Problems add(String problem) {
    problems.add(problem);
    return this;
  }

  /**
   * Adds {@code problem} unless {@code ok}.
   *
   * @param ok whether the rule holds
   * @param problem the problem to report when it does not
   * @return this
   */
  public Problems check(boolean ok, String problem) {
    if (!ok) {
      problems.add(problem);
    }
    return this;
  }

  /**
   * Requires a value: {@code "name was null but is required"}.
   *
   * @param name the setting's name
   * @param value its value
   * @return this
   */
  public Problems required(String name, Object value) {
    if (value == null) {
      problems.add(name + " was null but is required");
    }
    return this;
  }

  /**
   * Requires a value within a closed range: {@code "name was v but must be in [min, max]"}.
   *
   * @param name the setting's name
   * @param value its value
   * @param min the smallest allowed value
   * @param max the largest allowed value
   * @return this
   */
  public Problems range(String name, long value, long min, long max) {
    if (value < min || value > max) {
      problems.add(name + " was " + value + " but must be in [" + min + ", " + max + "]");
    }
    return this;
  }

  /**
   * Requires a value of at least {@code min}: {@code "name was v but must be >= min"}.
   *
   * @param name the setting's name
   * @param value its value
   * @param min the smallest allowed value
   * @return this
   */
  public Problems atLeast(String name, long value, long min) {
    if (value < min) {
      problems.add(name + " was " + value + " but must be >= " + min);
    }
    return this;
  }

  /**
   * Requires a duration within a closed range; a null duration is reported as required.
   *
   * @param name the setting's name
   * @param value its value
   * @param min the shortest allowed duration
   * @param max the longest allowed duration
   * @return this
   */
  public Problems range(String name, Duration value, Duration min, Duration max) {
    if (value == null) {
      return required(name, null);
    }
    if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
      problems.add(name + " was " + value + " but must be in [" + min + ", " + max + "]");
    }
    return this;
  }

  /**
   * Requires a positive duration; a null duration is reported as required.
   *
   * @param name the setting's name
   * @param value its value
   * @return this
   */
  public Problems positive(String name, Duration value) {
    if (value == null) {
      return required(name, null);
    }
    if (value.isNegative() || value.isZero()) {
      problems.add(name + " was " + value + " but must be > 0");
    }
    return this;
  }

  /**
   * Requires a duration that is not negative; a null duration is reported as required.
   *
   * @param name the setting's name
   * @param value its value
   * @return this
   */
  public Problems notNegative(String name, Duration value) {
    if (value == null) {
      return required(name, null);
    }
    if (value.isNegative()) {
      problems.add(name + " was " + value + " but must be >= 0");
    }
    return this;
  }

  /**
   * Whether no problem was found so far.
   *
   * @return {@code true} if the list is empty
   */
  public boolean isEmpty() {
    return problems.isEmpty();
  }

  /**
   * The problems found so far, in the order they were added.
   *
   * @return an unmodifiable copy
   */
  public List<String> list() {
    return List.copyOf(problems);
  }

  /**
   * Throws if any problem was found.
   *
   * @throws IllegalArgumentException {@code "Invalid <subject>: p1; p2"}, listing every problem
   */
  public void throwIfAny() {
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("Invalid " + subject + ": " + String.join("; ", problems));
    }
  }
}
