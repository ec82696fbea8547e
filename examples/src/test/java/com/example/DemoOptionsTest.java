package com.example;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Demo options")
class DemoOptionsTest {

  @Test
  @DisplayName("no options give the defaults: 1,000 devices, 200,000 messages, a paced tenth then full speed, no faults")
  void defaults() throws Exception {
    DemoOptions o = DemoOptions.parse();
    assertThat(o).isEqualTo(DemoOptions.DEFAULTS);
    assertThat(o.devices()).isEqualTo(1_000);
    assertThat(o.messages()).isEqualTo(200_000);
    assertThat(o.rate()).isZero();
    assertThat(o.pacedMessages()).isEqualTo(20_000);
    assertThat(o.pacingRate()).isEqualTo(2_000);
    assertThat(o.cmqFaultRate()).isZero();
    assertThat(o.kafkaOutageSeconds()).isZero();
    assertThat(o.verbose()).isFalse();
    assertThat(o.help()).isFalse();
  }

  @Test
  @DisplayName("reads --name value and --name=value, and ignores blank arguments")
  void readsBothForms() throws Exception {
    DemoOptions o = DemoOptions.parse("--devices", "50", "--messages=20,000", "", "--rate", "5000",
        "--cmq-fault-rate=0.25", "--kafka-outage-seconds", "3", "--seed", "-7", "--verbose");
    assertThat(o).isEqualTo(new DemoOptions(50, 20_000, 5000, 2000, 0.25, 3, true, false, -7));
    assertThat(DemoOptions.parse("--help").help()).isTrue();
  }

  @Test
  @DisplayName("--rate paces the whole run; --paced-rate 0 leaves only the flat-out phase")
  void phases() throws Exception {
    DemoOptions paced = DemoOptions.parse("--messages", "1000", "--rate", "500");
    assertThat(paced.pacedMessages()).isEqualTo(1000);
    assertThat(paced.pacingRate()).isEqualTo(500);
    DemoOptions flat = DemoOptions.parse("--messages", "1000", "--paced-rate", "0");
    assertThat(flat.pacedMessages()).isZero();
    DemoOptions twoPhases = DemoOptions.parse("--messages", "1000", "--paced-rate=300");
    assertThat(twoPhases.pacedMessages()).isEqualTo(100);
    assertThat(twoPhases.pacingRate()).isEqualTo(300);
  }

  @Test
  @DisplayName("reports every problem at once, naming the option and the allowed range")
  void reportsEveryProblem() {
    assertThatThrownBy(() -> DemoOptions.parse("--devices", "abc", "--messages", "1", "--cmq-fault-rate", "2",
        "--kafka-outage-seconds", "-1", "--rate", "fast", "--bogus", "--seed"))
        .isInstanceOf(DemoOptions.UsageException.class)
        .hasMessage("--devices was \"abc\" but must be a whole number; "
            + "--messages was 1 but must be between 2 and 50000000; "
            + "--cmq-fault-rate was 2 but must be between 0 and 0.9; "
            + "--kafka-outage-seconds was -1 but must be between 0 and 90; "
            + "--rate was \"fast\" but must be a whole number; "
            + "unknown option --bogus; "
            + "--seed needs a value");
  }

  @Test
  @DisplayName("an option followed by another option has no value")
  void missingValue() {
    assertThatThrownBy(() -> DemoOptions.parse("--devices", "--verbose"))
        .hasMessage("--devices needs a value");
  }

  @Test
  @DisplayName("the demo exits with status 2 and a clear message on stderr for a bad option")
  void badOptionExitsWith2() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status = Demo.run(new String[] {"--messages", "lots"}, print(out), print(err), false);
    assertThat(status).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .isEqualTo("demo: --messages was \"lots\" but must be a whole number" + System.lineSeparator()
            + "Run with --help to see the options." + System.lineSeparator());
    assertThat(out.size()).isZero();
  }

  @Test
  @DisplayName("--help prints the usage, listing every option, and exits with status 0")
  void helpExitsWith0() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status = Demo.run(new String[] {"--help"}, print(out), print(err), false);
    assertThat(status).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(DemoOptions.USAGE)
        .contains("--devices", "--messages", "--rate", "--paced-rate", "--cmq-fault-rate", "--kafka-outage-seconds",
            "--verbose", "--help");
    assertThat(err.size()).isZero();
  }

  private static PrintStream print(ByteArrayOutputStream bytes) {
    return new PrintStream(bytes, true, StandardCharsets.UTF_8);
  }
}
