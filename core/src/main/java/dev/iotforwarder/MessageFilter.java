package dev.iotforwarder;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Decides whether a message takes a route (or passes the forwarder's global filter). Must be
 * thread-safe and fast: it runs on the caller's thread inside {@link Forwarder#forward}. A filter
 * that throws fails the message's future with an error naming the route; it never drops the message
 * silently.
 *
 * <p>Static factories cover the common cases: by type ({@link #statusOnly()}, {@link
 * #publishOnly()}, the product's forwarding switch), by MQTT-style topic pattern ({@link
 * #topic(String)}), by product ({@link #products(String...)}), or any predicate ({@link
 * #of(Predicate)}); combine them with {@link #and}, {@link #or} and {@link #negate}.
 */
@FunctionalInterface
public interface MessageFilter {

  /**
   * Whether the message passes.
   *
   * @param message the message
   * @return {@code true} to route it
   */
  boolean test(DeviceMessage message);

  /**
   * Passes everything.
   *
   * @return the filter
   */
  static MessageFilter all() {
    return m -> true;
  }

  /**
   * Passes Status messages only.
   *
   * @return the filter
   */
  static MessageFilter statusOnly() {
    return DeviceMessage::isStatus;
  }

  /**
   * Passes Publish messages only.
   *
   * @return the filter
   */
  static MessageFilter publishOnly() {
    return m -> !m.isStatus();
  }

  /**
   * Passes the given message types: the product's forwarding switch (Status, Publish or both).
   *
   * @param types one or both types
   * @return the filter
   * @throws IllegalArgumentException if no type is given
   */
  static MessageFilter types(MessageType... types) {
    if (types == null || types.length == 0) {
      throw new IllegalArgumentException("types is empty: name Status, Publish or both");
    }
    Set<MessageType> set = EnumSet.copyOf(Arrays.asList(types));
    return m -> set.contains(m.msgType());
  }

  /**
   * Passes messages whose topic matches an MQTT-style pattern: levels are separated by {@code /},
   * {@code +} matches exactly one level, and {@code #} (only as the last level) matches any number
   * of levels, including none. For example {@code "+/+/alarm/#"} matches {@code "p/d/alarm"} and
   * {@code "p/d/alarm/fire"}.
   *
   * @param pattern the pattern
   * @return the filter
   * @throws IllegalArgumentException if the pattern is malformed (a {@code #} that is not the whole
   *     last level, a {@code +} that is not a whole level)
   */
  static MessageFilter topic(String pattern) {
    TopicPattern compiled = TopicPattern.compile(pattern);
    return m -> compiled.matches(m.topic());
  }

  /**
   * Passes messages of the given products.
   *
   * @param productNames one or more product names
   * @return the filter
   * @throws IllegalArgumentException if no product is given
   */
  static MessageFilter products(String... productNames) {
    if (productNames == null || productNames.length == 0) {
      throw new IllegalArgumentException("productNames is empty");
    }
    Set<String> set = Set.of(productNames);
    return m -> set.contains(m.productName());
  }

  /**
   * Adapts any predicate.
   *
   * @param predicate the predicate
   * @return the filter
   */
  static MessageFilter of(Predicate<DeviceMessage> predicate) {
    Objects.requireNonNull(predicate, "predicate == null");
    return predicate::test;
  }

  /**
   * Passes what both filters pass.
   *
   * @param other the other filter
   * @return the combined filter
   */
  default MessageFilter and(MessageFilter other) {
    Objects.requireNonNull(other, "other == null");
    return m -> test(m) && other.test(m);
  }

  /**
   * Passes what either filter passes.
   *
   * @param other the other filter
   * @return the combined filter
   */
  default MessageFilter or(MessageFilter other) {
    Objects.requireNonNull(other, "other == null");
    return m -> test(m) || other.test(m);
  }

  /**
   * Passes what this filter rejects.
   *
   * @return the negated filter
   */
  default MessageFilter negate() {
    return m -> !test(m);
  }
}
