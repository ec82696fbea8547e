import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * The rule "every published module is in the BOM and in the consumer build" (docs/releasing.md),
 * checked: the reactor's published modules (in the parent's modules, not pom-packaged, no
 * maven.deploy.skip) must each be managed by bom/pom.xml and used by a pom under consumer-check/;
 * the BOM must manage nothing else of ours; each published module has its own name and description
 * (Maven Central requires them; name is not inherited); the BOM's version and release plugins match
 * the parent's; the release profile's central-publishing excludeArtifacts names exactly the parent
 * and the modules with maven.deploy.skip (an unlisted one would be uploaded to Central, a listed
 * published one left out of the release).
 * Run from the repository root: java .ci/CheckModules.java
 */
public final class CheckModules {
  private static final String GROUP = "dev.iotforwarder";

  public static void main(String[] args) throws Exception {
    Element parent = read(Path.of("pom.xml"));
    Element bom = read(Path.of("bom/pom.xml"));
    List<String> problems = new ArrayList<>();

    Set<String> published = new TreeSet<>();
    Set<String> unpublished = new TreeSet<>();
    unpublished.add(text(parent, "artifactId", ""));
    for (Element module : children(child(parent, "modules"), "module")) {
      Path pom = Path.of(module.getTextContent().trim(), "pom.xml");
      Element project = read(pom);
      String packaging = text(project, "packaging", "jar");
      Element properties = child(project, "properties");
      boolean skipped = "true".equals(text(properties, "maven.deploy.skip", "false"));
      String artifactId = text(project, "artifactId", "");
      if (skipped) {
        unpublished.add(artifactId);
      }
      if (packaging.equals("pom") || skipped) {
        continue;
      }
      published.add(artifactId);
      for (String required : List.of("name", "description")) {
        if (text(project, required, "").isBlank()) {
          problems.add(pom + ": published, so it needs its own <" + required + "> (Maven Central)");
        }
      }
    }

    Set<String> inBom = ours(child(child(bom, "dependencyManagement"), "dependencies"));
    Set<String> inConsumer = new TreeSet<>();
    try (Stream<Path> poms = Files.walk(Path.of("consumer-check"))) {
      for (Path pom : poms.filter(p -> p.getFileName().toString().equals("pom.xml")
          && !p.toString().contains("target")).toList()) {
        inConsumer.addAll(ours(child(read(pom), "dependencies")));
      }
    }
    for (String artifactId : published) {
      if (!inBom.contains(artifactId)) {
        problems.add(artifactId + " is published but not in bom/pom.xml");
      }
      if (!inConsumer.contains(artifactId)) {
        problems.add(artifactId + " is published but no pom under consumer-check/ depends on it");
      }
    }
    for (String artifactId : inBom) {
      if (!published.contains(artifactId)) {
        problems.add("bom/pom.xml manages " + artifactId + ", which the reactor does not publish");
      }
    }

    Set<String> excluded = new TreeSet<>();
    boolean centralPlugin = false;
    for (Element profile : children(child(parent, "profiles"), "profile")) {
      for (Element plugin : children(child(child(profile, "build"), "plugins"), "plugin")) {
        if (text(plugin, "artifactId", "").equals("central-publishing-maven-plugin")) {
          centralPlugin = true;
          for (Element a : children(child(child(plugin, "configuration"), "excludeArtifacts"), "artifact")) {
            excluded.add(a.getTextContent().trim());
          }
        }
      }
    }
    if (!centralPlugin) {
      problems.add("pom.xml: no profile configures central-publishing-maven-plugin");
    } else if (!excluded.equals(unpublished)) {
      Set<String> missing = new TreeSet<>(unpublished);
      missing.removeAll(excluded);
      Set<String> extra = new TreeSet<>(excluded);
      extra.removeAll(unpublished);
      problems.add("pom.xml: central-publishing excludeArtifacts must name the parent and every module"
          + " with maven.deploy.skip " + unpublished + "; missing " + missing + ", not to be excluded "
          + extra);
    }

    if (!text(bom, "version", "").equals(text(parent, "version", ""))) {
      problems.add("bom/pom.xml has version " + text(bom, "version", "") + ", the parent "
          + text(parent, "version", ""));
    }
    Element parentProperties = child(parent, "properties");
    for (Element plugin : children(child(child(child(bom, "build"), "pluginManagement"), "plugins"),
        "plugin")) {
      String artifactId = text(plugin, "artifactId", "");
      String property = switch (artifactId) {
        case "maven-gpg-plugin" -> "gpg-plugin.version";
        case "central-publishing-maven-plugin" -> "central-publishing-plugin.version";
        default -> null;
      };
      if (property != null && !text(plugin, "version", "").equals(text(parentProperties, property, ""))) {
        problems.add("bom/pom.xml: " + artifactId + " " + text(plugin, "version", "")
            + ", the parent's " + property + " is " + text(parentProperties, property, ""));
      }
    }

    if (!problems.isEmpty()) {
      problems.forEach(p -> System.out.println("check-modules: " + p));
      System.out.println("See docs/releasing.md, \"Every module covered\".");
      System.exit(1);
    }
    System.out.println("check-modules: " + published.size()
        + " published modules, each in the BOM and the consumer build: " + published
        + "; kept out of the Central upload: " + unpublished);
  }

  private static Set<String> ours(Element dependencies) {
    Set<String> ids = new TreeSet<>();
    for (Element d : children(dependencies, "dependency")) {
      if (GROUP.equals(text(d, "groupId", "")) && !"import".equals(text(d, "scope", ""))) {
        ids.add(text(d, "artifactId", ""));
      }
    }
    return ids;
  }

  private static Element read(Path pom) throws Exception {
    return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom.toFile())
        .getDocumentElement();
  }

  private static List<Element> children(Element parent, String name) {
    List<Element> found = new ArrayList<>();
    if (parent != null) {
      for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
        if (n instanceof Element e && e.getTagName().equals(name)) {
          found.add(e);
        }
      }
    }
    return found;
  }

  private static Element child(Element parent, String name) {
    List<Element> found = children(parent, name);
    return found.isEmpty() ? null : found.get(0);
  }

  private static String text(Element parent, String name, String otherwise) {
    Element e = child(parent, name);
    return e == null ? otherwise : e.getTextContent().trim();
  }
}
