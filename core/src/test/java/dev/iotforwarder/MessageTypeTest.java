package dev.iotforwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class MessageTypeTest {
  @Test
  void wireNamesAreTheSpecsExactSpelling() {
    assertThat(MessageType.PUBLISH.wireName()).isEqualTo("Publish");
    assertThat(MessageType.STATUS.wireName()).isEqualTo("Status");
  }

  @ParameterizedTest
  @EnumSource(MessageType.class)
  void fromWireNameFindsEachTypeByItsWireName(MessageType type) {
    assertThat(MessageType.fromWireName(type.wireName())).isSameAs(type);
  }

  @Test
  void fromWireNameRejectsLowerCasePublishWithAClearMessage() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> MessageType.fromWireName("publish"))
        .withMessage("MsgType was \"publish\" but must be \"Publish\" or \"Status\"");
  }

  @ParameterizedTest
  @ValueSource(strings = {"PUBLISH", "status", "STATUS", "", " Publish", "Publish ", "Online"})
  void fromWireNameIsCaseSensitiveAndExact(String name) {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> MessageType.fromWireName(name))
        .withMessageContaining("MsgType was \"" + name + "\"");
  }

  @Test
  void fromWireNameRejectsNullAsAnIllegalArgument() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> MessageType.fromWireName(null))
        .withMessageContaining("must be \"Publish\" or \"Status\"");
  }
}
