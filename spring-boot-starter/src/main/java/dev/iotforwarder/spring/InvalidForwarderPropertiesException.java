package dev.iotforwarder.spring;

import java.util.List;

/**
 * The {@code iot.forwarder.*} properties are invalid. The message lists every problem, each led by
 * the property it concerns, for example {@code iot.forwarder.ckafka.telemetry.bootstrap-servers is
 * required}; secrets never appear in it.
 */
public final class InvalidForwarderPropertiesException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  /** The problems, one per entry. */
  private final transient List<String> problems;

  InvalidForwarderPropertiesException(List<String> problems) {
    super("Invalid iot.forwarder properties (" + problems.size()
        + (problems.size() == 1 ? " problem" : " problems") + "):\n  - "
        + String.join("\n  - ", problems));
    this.problems = List.copyOf(problems);
  }

  /**
   * The problems, each led by its property name.
   *
   * @return the problems
   */
  public List<String> problems() {
    return problems;
  }
}
