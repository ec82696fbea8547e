package dev.iotforwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class MessageFilterTest {
  private static DeviceMessage onTopic(String topic) {
    return DeviceMessage.publish("p", "d", "1", topic, 0, new byte[0]);
  }

  @ParameterizedTest(name = "{0} matches {1}: {2}")
  @CsvSource({
    "a/b/c, a/b/c, true",
    "a/b/c, a/b, false",
    "a/b, a/b/c, false",
    "a/+/c, a/x/c, true",
    "a/+/c, a/x/y/c, false",
    "+/+/alarm, p/d/alarm, true",
    "+/+/alarm/#, p/d/alarm, true",
    "+/+/alarm/#, p/d/alarm/fire/2, true",
    "+/+/alarm/#, p/d/alarms, false",
    "#, anything/at/all, true",
    "a/#, a, true",
    "a/#, ab, false",
    "a/+, a/, true",
    "+, a/b, false",
  })
  void topicPatterns(String pattern, String topic, boolean matches) {
    assertThat(MessageFilter.topic(pattern).test(onTopic(topic))).isEqualTo(matches);
  }

  @Test
  void rejectsMalformedPatterns() {
    assertThatThrownBy(() -> MessageFilter.topic("a/#/b")).hasMessageContaining("'#' must be the whole last level");
    assertThatThrownBy(() -> MessageFilter.topic("a/b+")).hasMessageContaining("'+' must be a whole level");
    assertThatThrownBy(() -> MessageFilter.topic("")).hasMessageContaining("empty");
  }

  @Test
  void typesProductsAndCombinators() {
    DeviceMessage pub = onTopic("t");
    DeviceMessage status = DeviceMessage.status("q", "d", "1", "Online", 0);
    assertThat(MessageFilter.types(MessageType.STATUS).test(status)).isTrue();
    assertThat(MessageFilter.types(MessageType.STATUS).test(pub)).isFalse();
    assertThat(MessageFilter.publishOnly().test(pub)).isTrue();
    assertThat(MessageFilter.products("q").test(status)).isTrue();
    assertThat(MessageFilter.products("q").or(MessageFilter.publishOnly()).test(pub)).isTrue();
    assertThat(MessageFilter.products("q").and(MessageFilter.publishOnly()).test(status)).isFalse();
    assertThat(MessageFilter.statusOnly().negate().test(pub)).isTrue();
    assertThatThrownBy(MessageFilter::types).hasMessageContaining("types is empty");
  }
}
