package io.synod.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code synod replay} and {@code synod simulate cache} through the real command line. */
class CacheCommandsTest {
  @TempDir Path dir;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine cli = new CommandLine(new SynodCli());
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    return cli.execute(args);
  }

  private String lastLine() {
    String[] lines = out.toString().strip().split("\\R");
    return lines[lines.length - 1];
  }

  private Path trace() throws IOException {
    // by hand, capacity 2: LRU hits only the second a (1 of 6); LFU keeps the twice-used a and
    // hits it again at the end (2 of 6)
    return Files.writeString(dir.resolve("t.txt"), "a\nb\na\nc\nb\n\na\n");
  }

  @Test
  void replayPrintsTheLruHitRatio() throws IOException {
    assertEquals(0, run("replay", "--policy", "lru", "--capacity", "2", trace().toString()));
    assertEquals("hit ratio: 16.67%", lastLine());
  }

  @Test
  void replayPrintsTheLfuHitRatio() throws IOException {
    assertEquals(0, run("replay", "--policy", "lfu", "--capacity", "2", trace().toString()));
    assertEquals("hit ratio: 33.33%", lastLine());
  }

  @Test
  void replayRefusesBadInput() throws IOException {
    Path t = trace();
    assertEquals(2, run("replay", "--policy", "fifo", "--capacity", "2", t.toString()));
    assertEquals(2, run("replay", "--capacity", "0", t.toString()));
    assertEquals(2, run("replay", "--capacity", "2", dir.resolve("missing").toString()));
    assertTrue(err.toString().contains("cannot read"), err.toString());
    assertEquals("", out.toString());
  }

  @Test
  void simulateCacheReportsZeroViolationsOnHealthySeeds() {
    assertEquals(0, run("simulate", "cache", "--seeds", "20", "--nodes", "3"));
    assertEquals("simulate cache: 20 seeds, 0 violations", lastLine());
  }

  @Test
  void simulateCacheCatchesASkippedInvalidationAndExitsOne() {
    int code = run("simulate", "cache", "--seeds", "20", "--no-crashes",
        "--break-skip-invalidation");
    assertEquals(1, code);
    assertTrue(lastLine().startsWith("simulate cache: 20 seeds, "), lastLine());
    assertTrue(out.toString().contains("replay: ./synod simulate cache --seeds 1 --seed-base"));
  }

  @Test
  void simulateCacheRefusesBadOptions() {
    assertEquals(2, run("simulate", "cache", "--nodes", "1"));
    assertEquals(2, run("simulate", "cache", "--policy", "mru"));
  }
}
