package dev.iotforwarder.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The BOM manages the JUnit version the testkit is built and tested against (a host on an older
 * JUnit platform fails under surefire), so the two must not drift apart.
 */
class BomJUnitVersionTest {
  private static final Pattern JUNIT_BOM = Pattern.compile(
      "<artifactId>junit-bom</artifactId>\\s*<version>([^<]+)</version>\\s*<type>pom</type>\\s*<scope>import</scope>");

  @Test
  void theBomImportsTheJUnitBomOfTheVersionTheTestkitRunsOn() throws Exception {
    String bom = Files.readString(Path.of("..", "bom", "pom.xml"));
    Matcher m = JUNIT_BOM.matcher(bom);
    assertThat(m.find()).as("bom/pom.xml imports org.junit:junit-bom").isTrue();
    assertThat(m.group(1)).as("the BOM's JUnit version").isEqualTo(runningJUnitVersion());
  }

  /** The version of the junit-jupiter-api jar on this test's classpath, from its file name. */
  private static String runningJUnitVersion() throws Exception {
    Path jar = Path.of(Test.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    Matcher m = Pattern.compile("junit-jupiter-api-(.+)\\.jar").matcher(jar.getFileName().toString());
    assertThat(m.matches()).as("junit-jupiter-api jar name: " + jar).isTrue();
    return m.group(1);
  }
}
