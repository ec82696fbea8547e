package com.example;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every {@code ```java} block of the README compiles as written. A block is one of:
 *
 * <ul>
 *   <li><b>quoted</b>: preceded by {@code <!-- quoted from PATH ... -->}; {@link ReadmeSnippetsTest}
 *       checks it is verbatim in that compiled source;
 *   <li><b>not compiled on purpose</b>: preceded by {@code <!-- not compiled: REASON -->} (a fragment
 *       that shows a mistake, or pseudo-code); the reason must not be empty;
 *   <li><b>a fragment</b>, everything else: compiled here with {@code javax.tools}. Statements become
 *       the body of a method of a subclass of {@link ReadmeGiven} (whose fields and helpers are the
 *       names the README takes as given); a block that starts with {@code package} or {@code import},
 *       or declares a type at its first column, is compiled as a file of its own. Both get {@link
 *       #IMPORTS}, the wildcard imports of every package a README reader imports from.
 * </ul>
 *
 * A failure names the README line of the block and javac's message. The README is read from the
 * reactor's root, so every block added there (by any section) is checked.
 */
@DisplayName("README java blocks compile as written")
class ReadmeFragmentsTest {
  /** What a fragment may use without importing it. */
  static final List<String> IMPORTS = List.of(
      "java.io", "java.net", "java.nio.file", "java.time", "java.util", "java.util.concurrent",
      "dev.iotforwarder", "dev.iotforwarder.spi", "dev.iotforwarder.cmq", "dev.iotforwarder.ckafka",
      "dev.iotforwarder.streams", "dev.iotforwarder.micrometer",
      "org.apache.kafka.clients.consumer", "org.apache.kafka.clients.producer",
      "org.apache.kafka.common.serialization", "org.apache.kafka.streams",
      "org.apache.kafka.streams.kstream", "org.apache.kafka.streams.state",
      "io.micrometer.core.instrument", "org.slf4j");

  private static final Pattern BLOCK =
      Pattern.compile("(?m)^[ \\t]*```java[^\\n]*\\n(.*?)\\n[ \\t]*```", Pattern.DOTALL);
  private static final Pattern MARKER =
      Pattern.compile("<!-- (quoted from \\S+|not compiled:)([^\\n]*)-->\\s*$");
  private static final Pattern UNIT = Pattern.compile(
      "(?m)\\A\\s*(package|import) |^(public |final |abstract |sealed )*(class|record|interface|enum) ");
  private static final Pattern TYPE_NAME = Pattern.compile("(?m)^(?:public |final |abstract |sealed )*"
      + "(?:class|record|interface|enum) (\\w+)");

  @TempDir Path out;

  /** A README block: where it starts, its text, and how it is checked. */
  record Block(int line, String text, String marker) {}

  static List<Block> blocks(String readme) {
    List<Block> blocks = new ArrayList<>();
    Matcher m = BLOCK.matcher(readme);
    while (m.find()) {
      String before = readme.substring(0, m.start());
      int line = (int) before.chars().filter(c -> c == '\n').count() + 1;
      String previousLine =
          before.isEmpty() ? "" : before.substring(before.lastIndexOf('\n', before.length() - 2) + 1);
      Matcher marker = MARKER.matcher(previousLine.strip());
      blocks.add(new Block(line, m.group(1), marker.find() ? marker.group(1) + marker.group(2) : null));
    }
    return blocks;
  }

  @Test
  @DisplayName("every java block is quoted, compiled here, or marked with a reason")
  void everyFragmentCompiles() throws IOException {
    List<Block> blocks = blocks(Files.readString(Path.of("..", "README.md")));
    List<JavaFileObject> sources = new ArrayList<>();
    List<Integer> lines = new ArrayList<>();
    for (Block b : blocks) {
      if (b.marker() == null) {
        sources.add(source(b, sources.size()));
        lines.add(b.line());
      } else if (b.marker().startsWith("not compiled:")) {
        assertThat(b.marker().substring("not compiled:".length()).strip())
            .as("README line %d: a block not compiled on purpose says why", b.line()).isNotEmpty();
      }
    }
    assertThat(sources).as("README fragments compiled here").hasSizeGreaterThanOrEqualTo(9);

    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
    List<String> options = List.of("-proc:none", "-Xlint:none", "-d", out.toString(),
        "-classpath", System.getProperty("java.class.path"));
    boolean ok = javac.getTask(null, null, diagnostics, options, null, sources).call();

    List<String> errors = new ArrayList<>();
    for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
      if (d.getKind() == Diagnostic.Kind.ERROR) {
        int index = sources.indexOf(d.getSource());
        errors.add("README block at line " + (index < 0 ? "?" : lines.get(index)) + ": "
            + d.getMessage(Locale.ROOT) + " (in generated line " + d.getLineNumber() + " of "
            + (d.getSource() == null ? "?" : d.getSource().getName()) + ")");
      }
    }
    assertThat(errors).as("javac errors in README fragments").isEmpty();
    assertThat(ok).isTrue();
  }

  @Test
  @DisplayName("a fragment that does not compile is found, with its README line")
  void aBrokenFragmentIsFound() {
    String readme = "# T\n\n```java\nint x = \"not an int\";\n```\n\n<!-- not compiled: shows a typo -->\n"
        + "  ```java\n  int y = ;\n  ```\n";
    List<Block> blocks = blocks(readme);
    assertThat(blocks).extracting(Block::line).containsExactly(3, 8);
    assertThat(blocks.get(1).marker()).isEqualTo("not compiled: shows a typo ");
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
    boolean ok = javac.getTask(null, null, diagnostics,
        List.of("-proc:none", "-d", out.toString(), "-classpath", System.getProperty("java.class.path")),
        null, List.of(source(blocks.get(0), 0))).call();
    assertThat(ok).isFalse();
    assertThat(diagnostics.getDiagnostics()).extracting(d -> d.getMessage(Locale.ROOT))
        .anyMatch(m -> m.contains("incompatible types"));
  }

  /** A block as a compilation unit: a unit of its own, or statements in a method of a subclass. */
  static JavaFileObject source(Block b, int n) {
    StringBuilder imports = new StringBuilder();
    IMPORTS.forEach(p -> imports.append("import ").append(p).append(".*;\n"));
    String text = b.text();
    if (UNIT.matcher(text).find()) {
      Matcher type = TYPE_NAME.matcher(text);
      String name = type.find() ? type.group(1) : "ReadmeUnit" + n;
      String code = text.startsWith("package ")
          ? text.replaceFirst("(?m)^(package [^;]+;)", "$1\n" + imports.toString().replace("\n", " "))
          : imports + text;
      return new Source(name, code);
    }
    String name = "ReadmeFragment" + n + "Line" + b.line();
    String code = "package com.example;\n" + imports + "class " + name + " extends ReadmeGiven {\n"
        + "  @SuppressWarnings(\"unused\")\n  void fragment() throws Exception {\n" + text + "\n  }\n}\n";
    return new Source(name, code);
  }

  /** An in-memory source file. */
  private static final class Source extends SimpleJavaFileObject {
    private final String code;

    Source(String className, String code) {
      super(URI.create("string:///" + className + Kind.SOURCE.extension), Kind.SOURCE);
      this.code = code;
    }

    @Override
    public CharSequence getCharContent(boolean ignoreEncodingErrors) {
      return code;
    }
  }
}
