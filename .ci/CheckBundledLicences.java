import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The rule for archives that bundle dependencies (docs/releasing.md, "Licences"), checked on what
 * was deployed: a published jar or zip bundles when it holds other jars (a Kafka Connect plugin
 * archive) or classes outside dev/iotforwarder (a shaded jar such as the cli's). Such an archive
 * must carry a LICENSE, a NOTICE and a THIRD-PARTY.txt, and its module must list what it bundles in
 * target/bundled-dependencies.txt (maven-dependency-plugin's list goal, as the cli does); every
 * groupId:artifactId on that list must appear in THIRD-PARTY.txt.
 * Run from the repository root after a deploy: java .ci/CheckBundledLicences.java FILE-REPOSITORY-DIR
 */
public final class CheckBundledLicences {
  private static final Pattern LISTED = Pattern.compile("^\\s+([\\w.\\-]+):([\\w.\\-]+):");

  public static void main(String[] args) throws Exception {
    Path repository = Path.of(args[0]);
    Map<String, Path> modules = modules();
    List<String> problems = new ArrayList<>();
    List<String> checked = new ArrayList<>();
    List<Path> archives;
    try (Stream<Path> files = Files.walk(repository)) {
      archives = files.filter(p -> {
        String n = p.getFileName().toString();
        return (n.endsWith(".jar") || n.endsWith(".zip"))
            && !n.endsWith("-sources.jar") && !n.endsWith("-javadoc.jar");
      }).sorted().toList();
    }
    for (Path archive : archives) {
      try (ZipFile zip = new ZipFile(archive.toFile())) {
        if (!bundles(zip)) {
          continue;
        }
        String artifactId = archive.getParent().getParent().getFileName().toString();
        checked.add(archive.getFileName().toString());
        for (String required : List.of("LICENSE", "NOTICE")) {
          if (find(zip, required) == null) {
            problems.add(archive.getFileName() + " bundles dependencies but has no " + required + " file");
          }
        }
        ZipEntry thirdParty = find(zip, "THIRD-PARTY.txt");
        Path module = modules.get(artifactId);
        Path list = module == null ? null : module.resolve("target/bundled-dependencies.txt");
        if (thirdParty == null) {
          problems.add(archive.getFileName() + " bundles dependencies but has no THIRD-PARTY.txt");
        } else if (list == null || !Files.isRegularFile(list)) {
          problems.add(archive.getFileName() + " bundles dependencies but its module writes no "
              + "target/bundled-dependencies.txt (maven-dependency-plugin list, as cli/pom.xml)");
        } else {
          String text = new String(zip.getInputStream(thirdParty).readAllBytes(), StandardCharsets.UTF_8);
          for (String line : Files.readAllLines(list)) {
            Matcher m = LISTED.matcher(line);
            if (m.find() && !m.group(1).equals("dev.iotforwarder")
                && !text.contains(m.group(1) + ":" + m.group(2))) {
              problems.add(archive.getFileName() + ": THIRD-PARTY.txt does not name the bundled "
                  + m.group(1) + ":" + m.group(2));
            }
          }
        }
      }
    }
    if (!problems.isEmpty()) {
      problems.forEach(p -> System.out.println("check-licences: " + p));
      System.out.println("See docs/releasing.md, \"Licences\".");
      System.exit(1);
    }
    System.out.println("check-licences: archives that bundle dependencies, each with LICENSE, NOTICE "
        + "and a THIRD-PARTY.txt naming all of them: " + checked);
  }

  private static boolean bundles(ZipFile zip) {
    return zip.stream().map(ZipEntry::getName).anyMatch(n -> n.endsWith(".jar")
        || (n.endsWith(".class") && !n.startsWith("dev/iotforwarder/") && !n.endsWith("module-info.class")));
  }

  /** The first entry named {@code name} or {@code name.txt}, in any folder. */
  private static ZipEntry find(ZipFile zip, String name) {
    return zip.stream().filter(e -> {
      String base = e.getName().substring(e.getName().lastIndexOf('/') + 1);
      return base.equals(name) || base.equals(name + ".txt");
    }).findFirst().orElse(null);
  }

  /** Module directories by artifactId, from the parent's modules. */
  private static Map<String, Path> modules() throws IOException {
    Map<String, Path> found = new TreeMap<>();
    Matcher module = Pattern.compile("<module>([^<]+)</module>").matcher(Files.readString(Path.of("pom.xml")));
    Pattern artifactId = Pattern.compile("</parent>\\s*<artifactId>([^<]+)</artifactId>");
    while (module.find()) {
      Path dir = Path.of(module.group(1).trim());
      Matcher a = artifactId.matcher(Files.readString(dir.resolve("pom.xml")));
      if (a.find()) {
        found.put(a.group(1), dir);
      }
    }
    return found;
  }
}
