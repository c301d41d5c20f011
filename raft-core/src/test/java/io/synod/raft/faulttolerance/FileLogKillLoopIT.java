package io.synod.raft.faulttolerance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kill loop with real processes (issue 4): a one-member Raft group runs in a child JVM ({@link
 * KillLoopChild}) on the {@link io.synod.raft.storage.FileRaftLogStore}; this test proposes
 * commands over its standard input as fast as it takes them, records every command the child
 * acknowledged (acknowledged = applied = fsync'd), SIGKILLs it ({@link Process#destroyForcibly()}
 * sends SIGKILL on Linux) at a seeded random moment, restarts it on the same directory and checks
 * that every acknowledged command is still in the log at its index, so in the same order. Small
 * segments make kills land in segment rolls too.
 *
 * <p>The kill moments are seeded ({@code -Dsynod.kill.seed}, default 42); where in the write the
 * kill lands still depends on the scheduler, which is the point. Kill count: {@code
 * -Dsynod.kill.count} (default 50).
 *
 * <p>Run: {@code mvn -B -o -q -pl raft-core verify -Dit.test=FileLogKillLoopIT -Dtest=none
 * -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false}
 */
class FileLogKillLoopIT {

  static final long SEED = Long.getLong("synod.kill.seed", 42);
  static final int KILLS = Integer.getInteger("synod.kill.count", 50);

  @Test
  void everyAcknowledgedEntrySurvivesEveryKill(@TempDir Path dir) throws Exception {
    SplittableRandom rnd = new SplittableRandom(SEED);
    TreeMap<Long, String> ackedEver = new TreeMap<>();
    int killsWithAcks = 0;
    int busyKills = 0;
    int repairs = 0;
    for (int kill = 0; kill <= KILLS; kill++) {
      Process p = start(dir.resolve("log"));
      BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(),
          StandardCharsets.UTF_8));
      // 1. recovery: every entry acknowledged by any earlier incarnation is there, in order
      TreeMap<Long, String> recovered = new TreeMap<>();
      String line;
      while ((line = out.readLine()) != null && !line.equals("READY")) {
        if (line.startsWith("CORRUPT")) {
          fail("after kill " + kill + " recovery refused the log: " + line);
        }
        if (line.startsWith("R ")) {
          repairs++; // a kill tore the tail: the normal crash case, recovered silently
          continue;
        }
        String[] f = line.split(" ", 3);
        recovered.put(Long.parseLong(f[1]), f[2]);
      }
      if (line == null) {
        fail("child died before READY after kill " + kill + ": exit " + p.waitFor());
      }
      for (var e : ackedEver.entrySet()) {
        assertEquals(e.getValue(), recovered.get(e.getKey()), "after kill " + kill
            + ": acknowledged entry " + e.getKey() + " lost or changed");
      }
      if (kill == KILLS) {
        p.getOutputStream().close();
        assertEquals(0, p.waitFor(), "a clean shutdown at the end");
        break;
      }
      // 2. load: a writer proposes, a reader records acknowledgements
      final int incarnation = kill;
      Thread writer = new Thread(() -> {
        try (Writer w = new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8)) {
          for (int i = 0; ; i++) {
            w.write("P k" + incarnation + "-" + i + "\n");
            if (i % 8 == 7) {
              w.flush();
            }
          }
        } catch (IOException expected) {
          // the child was killed
        }
      });
      TreeMap<Long, String> acked = new TreeMap<>();
      Thread reader = new Thread(() -> {
        try {
          String l;
          while ((l = out.readLine()) != null) {
            if (l.startsWith("A ")) {
              String[] f = l.split(" ", 3);
              synchronized (acked) {
                acked.put(Long.parseLong(f[1]), f[2]);
              }
            }
          }
        } catch (IOException expected) {
          // the child was killed
        }
      });
      writer.setDaemon(true);
      reader.setDaemon(true);
      writer.start();
      reader.start();
      // 3. SIGKILL at a seeded moment: every tenth incarnation right after recovery, the others
      // while busy (after the first acknowledgement, so a write or an fsync is under way)
      boolean atOnce = rnd.nextInt(10) == 0;
      if (atOnce) {
        Thread.sleep(rnd.nextInt(5));
      } else {
        busyKills++;
        long waitedMillis = 0;
        while (isEmpty(acked)) {
          assertTrue(p.isAlive() && waitedMillis < 60_000, "no acknowledgement from the child");
          Thread.sleep(1);
          waitedMillis++;
        }
        Thread.sleep(rnd.nextInt(100));
      }
      p.destroyForcibly();
      assertTrue(p.waitFor(30, TimeUnit.SECONDS), "child did not die");
      reader.join(TimeUnit.SECONDS.toMillis(30));
      synchronized (acked) {
        // acknowledgements go to indexes past everything acknowledged before, in order
        long prev = ackedEver.isEmpty() ? 0 : ackedEver.lastKey();
        for (long i : acked.keySet()) {
          assertTrue(i > prev, "acknowledged index " + i + " not after " + prev);
          prev = i;
        }
        ackedEver.putAll(acked);
        if (!acked.isEmpty()) {
          killsWithAcks++;
        }
      }
    }
    assertTrue(ackedEver.size() > KILLS, "too little was acknowledged to test anything: "
        + ackedEver.size());
    assertTrue(killsWithAcks >= busyKills, "every busy kill had acknowledgements");
    System.out.println("kill loop: " + KILLS + " kills, " + ackedEver.size()
        + " acknowledged entries survived, " + killsWithAcks + " kills hit a busy node, "
        + repairs + " recoveries cut a torn tail");
  }

  private static boolean isEmpty(TreeMap<Long, String> acked) {
    synchronized (acked) {
      return acked.isEmpty();
    }
  }

  private static Process start(Path dir) throws IOException {
    Files.createDirectories(dir.getParent());
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    // a small, quick-starting JVM: startup dominates each round of the loop
    ProcessBuilder pb = new ProcessBuilder(java, "-Xshare:auto", "-XX:TieredStopAtLevel=1",
        "-XX:+UseSerialGC", "-Xmx64m",
        "-cp", System.getProperty("java.class.path"), KillLoopChild.class.getName(),
        dir.toString());
    // the child's log lines (recovery repairs, errors) go to a file beside the log
    pb.redirectError(ProcessBuilder.Redirect.appendTo(
        dir.resolveSibling("child-stderr.log").toFile()));
    return pb.start();
  }
}
