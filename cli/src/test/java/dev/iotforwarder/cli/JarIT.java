package dev.iotforwarder.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The built jar: runs with {@code java -jar} on its own, and carries its dependencies' licences. */
class JarIT {
  private static final Path JAR = Path.of(System.getProperty("iotforwarder.cli.jar"));

  @TempDir Path tmp;

  @Test
  void runsWithJavaJarAlone() throws Exception {
    Path dir = tmp.resolve("spool");
    Spools.closedSpool(dir, Spools.messages(4));

    Cli.Run help = Cli.runJar(JAR, "--help");
    Cli.Run version = Cli.runJar(JAR, "--version");
    Cli.Run status = Cli.runJar(JAR, "spool", "status", dir.toString());

    assertThat(help.exit()).as(help.toString()).isZero();
    assertThat(help.out()).contains("spool").contains("verify").contains("dead-letters");
    assertThat(version.out()).startsWith("iot-forwarder-cli 0.");
    assertThat(status.exit()).as(status.toString()).isZero();
    assertThat(status.out()).contains("at most 4 messages");
    assertThat(status.err()).as("no logging noise").isEmpty();
  }

  @Test
  void carriesTheLicencesAndNoticesOfEveryBundledDependency() throws Exception {
    String thirdParty;
    try (JarFile jar = new JarFile(JAR.toFile())) {
      for (String name : List.of("META-INF/LICENSE", "META-INF/NOTICE", "META-INF/THIRD-PARTY.txt",
          "META-INF/licenses/slf4j-MIT.txt", "META-INF/licenses/zstd-jni-BSD-2-Clause.txt",
          "META-INF/FastDoubleParser-LICENSE", "META-INF/notices/kafka-clients-NOTICE.txt",
          "META-INF/NOTICE.txt")) {
        assertThat(jar.getEntry(name)).as(name).isNotNull();
      }
      assertThat(read(jar, "META-INF/LICENSE")).contains("Apache License");
      assertThat(read(jar, "META-INF/NOTICE")).contains("iot-forwarder operator tool")
          .contains("Jackson JSON processor");
      assertThat(read(jar, "META-INF/notices/kafka-clients-NOTICE.txt")).contains("Apache Kafka");
      assertThat(jar.getEntry("NOTICE")).as("no second NOTICE at the root").isNull();
      assertThat(jar.getEntry("module-info.class")).as("runs on the class path").isNull();
      thirdParty = read(jar, "META-INF/THIRD-PARTY.txt");
    }
    List<String> bundled = Files.readAllLines(
        Path.of(System.getProperty("iotforwarder.cli.bundled")), StandardCharsets.UTF_8);
    int checked = 0;
    for (String line : bundled) {
      String[] gav = line.trim().split(" ")[0].split(":");
      if (gav.length < 4 || line.contains("The following")) {
        continue;
      }
      String id = gav[0] + ":" + gav[1] + ":" + gav[gav.length - 1];
      assertThat(thirdParty).as("THIRD-PARTY.txt names " + id).contains(id);
      checked++;
    }
    assertThat(checked).as("bundled dependencies listed by the build").isGreaterThan(5);
  }

  private static String read(JarFile jar, String name) throws Exception {
    ZipEntry e = jar.getEntry(name);
    return new String(jar.getInputStream(e).readAllBytes(), StandardCharsets.UTF_8);
  }
}
