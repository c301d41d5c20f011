package io.synod.server.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The harness catches a broken build: a cache whose home directory grants Modified to a writer
 * without invalidating the other sharers (the mutation below, in the real {@code HomeDirectory}),
 * so the old Shared copies keep answering reads. The run has readers on every node reading every
 * key many times a second, so a stale copy is read within moments of the first such write; the
 * register check must report it. No faults are injected, and the same run on the unbroken build
 * (the control) must pass: the verdict comes from the mutation alone.
 */
class ChaosMutantIT {

  @Test
  void aCacheThatSkipsInvalidationsFailsTheRegisterCheck() throws Exception {
    ChaosIT.requireRoot();
    Path work = Files.createDirectories(Path.of("target", "chaos", "mutant")).toAbsolutePath();
    // the control: the same workload, seed and (absent) faults on the build itself passes
    StringWriter control = new StringWriter();
    ChaosRun.Result c = ChaosIT.run(options(ChaosIT.jar(), work.resolve("control")), control);
    assertEquals(List.of(), c.failures(), control.toString());

    List<String> cp = MutantBuild.build(
        "mesi-cache/src/main/java/io/synod/cache/protocol/HomeDirectory.java",
        "    for (String t : targets) {",
        "    for (String t : targets) { if (true) { e.holders.remove(t); continue; } // MUTANT: no INV",
        work.resolve("build"));
    StringWriter text = new StringWriter();
    ChaosRun.Result r = ChaosIT.run(options(cp, work.resolve("broken")), text);
    assertTrue(r.failures().contains("cache: every key a linearizable register"),
        text.toString());
    assertTrue(text.toString().contains("(stale read)"), text.toString());
    assertTrue(text.toString().strip().endsWith(
        "chaos: " + r.passed() + " passed, " + r.failed() + " failed"), text.toString());
  }

  /** Ten seconds of the cache workload with no faults: nothing but the build differs. */
  private static ChaosRun.Options options(List<String> classpath, Path work) {
    return new ChaosRun.Options(10, 21, false, Set.of("cache"), List.of(), classpath, work, 20,
        Map.of());
  }
}
