package io.synod.server.cli;

import static io.synod.server.cli.SimulateRaftAndLockCommandTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.synod.server.cli.SimulateRaftAndLockCommandTest.Run;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code --jobs} runs seeds in parallel without changing the output: every simulator prints the
 * same lines, in seed order, with one job and with three (the seeds' lines come from
 * {@code --verbose}, failing seeds from a broken rule, so both kinds of line are compared);
 * {@code --progress} reports on stderr, never on stdout.
 */
class SimulateJobsTest {

  static Stream<List<String>> simulators() {
    return Stream.of(
        List.of("simulate", "raft", "--seeds", "6", "--steps", "1500"),
        List.of("simulate", "raft", "--seeds", "6", "--steps", "3000", "--bug",
            "apply-twice-after-restart"),
        List.of("simulate", "lock", "--seeds", "6", "--steps", "400"),
        List.of("simulate", "lock", "--seeds", "6", "--steps", "400", "--bug", "reuse-token"),
        List.of("simulate", "queue", "--seeds", "4"),
        List.of("simulate", "cache", "--seeds", "6", "--ops", "15", "--faults", "all"));
  }

  @ParameterizedTest
  @MethodSource("simulators")
  void theOutputDoesNotDependOnTheNumberOfJobs(List<String> args) {
    Run one = run(with(args, "--verbose", "--jobs", "1", "--no-progress"));
    Run three = run(with(args, "--verbose", "--jobs", "3", "--no-progress"));
    assertEquals(one.status(), three.status(), one + " / " + three);
    assertEquals(untimed(one.out()), untimed(three.out()));
    assertTrue(one.out().size() > 1, "a line per seed: " + one.out());
    assertEquals("", three.err(), "nothing on stderr without --progress");
  }

  @ParameterizedTest
  @MethodSource("simulators")
  void progressGoesToStderr(List<String> args) {
    Run quiet = run(with(args, "--jobs", "2", "--no-progress"));
    Run shown = run(with(args, "--jobs", "2", "--progress"));
    assertEquals(untimed(quiet.out()), untimed(shown.out()), "progress never touches stdout");
    String seeds = args.get(args.indexOf("--seeds") + 1);
    assertTrue(shown.err().contains("/" + seeds + " seeds"), shown.err());
    assertTrue(shown.err().contains(seeds + "/" + seeds + " seeds (100%)"), shown.err());
  }

  /** The lines without the wall-clock seconds a summary may end with. */
  private static List<String> untimed(List<String> lines) {
    return lines.stream().map(l -> l.replaceAll("; [0-9.]+ s$", "")).toList();
  }

  private static String[] with(List<String> args, String... more) {
    return Stream.concat(args.stream(), Stream.of(more)).toArray(String[]::new);
  }
}
