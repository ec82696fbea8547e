package dev.iotforwarder.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The BOM manages iot-forwarder's artifacts only: a third-party entry or BOM import there overrides
 * a host's versions, even a Spring Boot parent's (it turned Boot 4's JUnit 6 into 5.14). The README
 * states instead the JUnit the testkit is built against.
 */
class BomContentsTest {
  private static final Pattern MANAGED = Pattern.compile(
      "<dependency>\\s*<groupId>([^<]+)</groupId>\\s*<artifactId>([^<]+)</artifactId>(.*?)</dependency>",
      Pattern.DOTALL);
  private static final Pattern README_JUNIT_BOM = Pattern.compile(
      "<artifactId>junit-bom</artifactId>\\s*<version>([^<]+)</version>");

  @Test
  void theBomManagesOnlyOurOwnArtifactsAndImportsNothing() throws Exception {
    String bom = Files.readString(Path.of("..", "bom", "pom.xml"));
    Matcher m = MANAGED.matcher(bom);
    List<String> managed = new ArrayList<>();
    while (m.find()) {
      managed.add(m.group(1) + ":" + m.group(2));
      assertThat(m.group(3)).as("%s:%s in the BOM", m.group(1), m.group(2)).doesNotContain("<scope>import");
    }
    assertThat(managed).contains("dev.iotforwarder:iot-forwarder-testkit", "dev.iotforwarder:iot-forwarder-core");
    assertThat(managed).allMatch(ga -> ga.startsWith("dev.iotforwarder:iot-forwarder-"), "an iot-forwarder artifact");
  }

  @Test
  void theReadmeNamesTheJUnitTheTestkitIsBuiltAgainst() throws Exception {
    String readme = Files.readString(Path.of("..", "README.md"));
    Matcher m = README_JUNIT_BOM.matcher(readme);
    assertThat(m.find()).as("README shows the junit-bom import for testkit users").isTrue();
    assertThat(m.group(1)).as("the README's JUnit version").isEqualTo(runningJUnitVersion());
    assertThat(readme).contains("The testkit is built against JUnit " + runningJUnitVersion());
  }

  /** The version of the junit-jupiter-api jar on this test's classpath, from its file name. */
  private static String runningJUnitVersion() throws Exception {
    Path jar = Path.of(Test.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    Matcher m = Pattern.compile("junit-jupiter-api-(.+)\\.jar").matcher(jar.getFileName().toString());
    assertThat(m.matches()).as("junit-jupiter-api jar name: " + jar).isTrue();
    return m.group(1);
  }
}
