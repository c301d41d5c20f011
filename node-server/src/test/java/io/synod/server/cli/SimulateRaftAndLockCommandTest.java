package io.synod.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code synod simulate raft} and {@code synod simulate lock} through {@link SynodCli#execute}:
 * the summary line, the exit status, and a failing seed's line carrying a replay command that
 * reproduces it. Few seeds and short runs, so this stays a fast unit test.
 */
class SimulateRaftAndLockCommandTest {

  /** Exit status and the lines written to standard output and error. */
  record Run(int status, List<String> out, String err) {
    String last() {
      return out.isEmpty() ? "" : out.get(out.size() - 1);
    }
  }

  static synchronized Run run(String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status;
    try {
      // picocli opens its writers on System.out/err lazily, at execute time
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      status = SynodCli.execute(args);
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
    return new Run(status, out.toString(StandardCharsets.UTF_8).lines().toList(),
        err.toString(StandardCharsets.UTF_8));
  }

  /** The arguments of a {@code ./synod ...} replay command, found after "replay: ". */
  static String[] replayArgs(String line) {
    String cmd = line.substring(line.indexOf("replay: ") + "replay: ".length()).trim();
    assertTrue(cmd.startsWith("./synod "), line);
    return cmd.substring("./synod ".length()).split(" ");
  }

  @Test
  void simulateRaftPassesCleanSeedsAndEndsWithTheSummary() {
    Run r = run("simulate", "raft", "--seeds", "3", "--seed-base", "7", "--steps", "3000");
    assertEquals(0, r.status(), r.toString());
    assertEquals("simulate raft: 3 seeds, 0 violations", r.last());
    assertEquals(1, r.out().size(), "no line per passing seed without --verbose: " + r.out());
  }

  @Test
  void simulateRaftWithFiveNodesAndNoMembershipOrSnapshots() {
    Run r = run("simulate", "raft", "--seeds", "2", "--nodes", "5", "--steps", "3000",
        "--no-membership", "--no-snapshots", "--verbose");
    assertEquals(0, r.status(), r.toString());
    assertEquals(3, r.out().size(), r.toString());
    assertTrue(r.out().get(0).startsWith("seed 1: ok"), r.toString());
    assertEquals("simulate raft: 2 seeds, 0 violations", r.last());
  }

  @Test
  void simulateRaftReportsACaughtBugWithAReplayCommandThatReproducesIt() {
    Run r = run("simulate", "raft", "--seeds", "10", "--steps", "8000", "--no-membership",
        "--no-snapshots", "--bug", "vote-without-log-check");
    assertCaughtAndReplayable(r, "simulate raft: 10 seeds, ");
  }

  @Test
  void simulateRaftRefusesBadOptions() {
    Run r = run("simulate", "raft", "--nodes", "4");
    assertEquals(2, r.status());
    assertTrue(r.err().contains("--nodes 3 or 5"), r.err());
    assertEquals(2, run("simulate", "raft", "--bug", "no-such-bug").status());
  }

  @Test
  void simulateLockPassesCleanSeedsAndEndsWithTheSummary() {
    Run r = run("simulate", "lock", "--seeds", "2", "--steps", "800");
    assertEquals(0, r.status(), r.toString());
    assertEquals("simulate lock: 2 seeds, 0 violations", r.last());
  }

  @Test
  void simulateLockReportsACaughtBugWithAReplayCommandThatReproducesIt() {
    Run r = run("simulate", "lock", "--seeds", "10", "--bug", "reuse-token");
    assertCaughtAndReplayable(r, "simulate lock: 10 seeds, ");
  }

  @Test
  void simulateLockOnRaftPassesCleanSeedsAndEndsWithTheSummary() {
    Run r = run("simulate", "lock", "--on-raft", "--seeds", "3", "--steps", "4000");
    assertEquals(0, r.status(), r.toString());
    assertEquals("simulate lock: 3 seeds, 0 violations", r.last());
    Run m = run("simulate", "lock", "--mode", "raft", "--seeds", "1", "--steps", "2000",
        "--verbose");
    assertEquals(0, m.status(), m.toString());
    assertTrue(m.out().get(0).startsWith("seed 1: ok") && m.out().get(0).contains("lock:"),
        m.toString());
  }

  @Test
  void simulateLockOnRaftReportsACaughtBugWithAReplayCommandThatReproducesIt() {
    Run r = run("simulate", "lock", "--on-raft", "--seeds", "5", "--steps", "4000", "--bug",
        "exclusive-over-shared");
    assertCaughtAndReplayable(r, "simulate lock: 5 seeds, ");
    assertTrue(r.out().get(0).contains("--on-raft"), r.toString());
  }

  @Test
  void simulateLockRefusesAnUnknownMode() {
    Run r = run("simulate", "lock", "--mode", "paxos");
    assertEquals(2, r.status());
    assertTrue(r.err().contains("unknown --mode"), r.err());
  }

  /** Exit 1, K > 0 in the summary, and the first failing line's replay command reproduces it. */
  static void assertCaughtAndReplayable(Run r, String summaryPrefix) {
    assertEquals(1, r.status(), r.toString());
    String last = r.last();
    assertTrue(last.startsWith(summaryPrefix) && last.endsWith(" violations")
        && !last.equals(summaryPrefix + "0 violations"), last);
    int k = Integer.parseInt(last.substring(summaryPrefix.length(), last.indexOf(" violations")));
    List<String> failing = r.out().stream().filter(l -> l.startsWith("seed ")).toList();
    assertEquals(k, failing.size(), "one line per failing seed: " + r.out());
    String line = failing.get(0);
    Run again = run(replayArgs(line));
    assertEquals(1, again.status(), again.toString());
    assertEquals(line, again.out().get(0), "the replay command reproduces the same violation");
    assertTrue(again.last().endsWith(": 1 seeds, 1 violations"), again.last());
  }
}
