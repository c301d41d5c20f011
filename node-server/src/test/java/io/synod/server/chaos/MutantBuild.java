package io.synod.server.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * A deliberately broken build, made without touching the product: one source file of the
 * repository is read, changed by a textual mutation, and compiled against the shaded jar into a
 * directory that goes first on the node processes' class path ({@code --node-classpath}), so its
 * class replaces the jar's. No switch in any published config type is involved, and the mutation
 * fails loudly (instead of testing nothing) when the code it targets has changed.
 */
final class MutantBuild {
  private MutantBuild() {}

  /**
   * Compiles {@code source} (relative to the repository root) with {@code target} replaced by
   * {@code replacement} (which must occur exactly once) into {@code out}, and returns the class
   * path for the nodes: the mutant first, then the jar.
   */
  static List<String> build(String source, String target, String replacement, Path out)
      throws IOException {
    Path repo = Path.of("").toAbsolutePath().getParent();
    Path file = repo.resolve(source);
    String text = Files.readString(file);
    int first = text.indexOf(target);
    assertTrue(first >= 0, "the mutation's target is gone from " + source + ": " + target);
    assertEquals(first, text.lastIndexOf(target), "the mutation's target is not unique");
    String mutated = text.replace(target, replacement);
    Path src = Files.createDirectories(out.resolve("src"));
    Path classes = Files.createDirectories(out.resolve("classes"));
    Path copy = src.resolve(file.getFileName());
    Files.writeString(copy, mutated);
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    StringWriter diagnostics = new StringWriter();
    String jar = ChaosIT.jar().get(0);
    boolean ok = javac.getTask(diagnostics, null, null,
        List.of("-cp", jar, "-d", classes.toString(), "-proc:none", "--release", "17"), null,
        javac.getStandardFileManager(null, null, null).getJavaFileObjects(copy)).call();
    assertTrue(ok, "the mutant does not compile: " + diagnostics);
    return List.of(classes.toAbsolutePath().toString(), jar);
  }
}
