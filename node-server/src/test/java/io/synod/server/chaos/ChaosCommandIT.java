package io.synod.server.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@code synod chaos} as a user runs it: interrupted with Ctrl-C, it leaves nothing behind. */
class ChaosCommandIT {

  @Test
  void ctrlCInTheMiddleOfARunRemovesItsNamespacesAndProcesses() throws Exception {
    ChaosIT.requireRoot();
    String jar = ChaosIT.jar().get(0);
    Path work = Path.of("target", "chaos", "interrupted").toAbsolutePath();
    Process p = new ProcessBuilder(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar, "chaos",
        "--duration", "120", "--services", "lock", "--work-dir", work.toString())
        .redirectErrorStream(true).start();
    List<String> lines = new ArrayList<>();
    String slotLine = null;
    try (BufferedReader r = new BufferedReader(
        new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        lines.add(line);
        if (line.contains("FAULT")) {
          slotLine = line;
          break; // the nodes are up and the nemesis is at work
        }
      }
      assertTrue(slotLine != null, "the run started: " + lines);
      String cluster = lines.stream().filter(l -> l.contains("cluster up on")).findFirst()
          .orElseThrow();
      // the subnet names the slot: 10.213.(100+slot).x
      int slot = Integer.parseInt(cluster.split("10\\.213\\.")[1].split("\\.")[0]) - 100;
      List<Long> nodes = Netns.namespacesWithPrefix(Netns.PREFIX + slot + "-").stream()
          .flatMap(ns -> List.of(Netns.run(List.of("ip", "netns", "pids", ns), true).split("\\s+"))
              .stream())
          .filter(s -> !s.isBlank()).map(Long::parseLong).toList();
      assertTrue(nodes.size() >= 3, "node processes run in the namespaces: " + nodes);

      Netns.run(List.of("kill", "-INT", Long.toString(p.pid())), false); // Ctrl-C
      assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the harness exits on Ctrl-C");
      assertEquals(List.of(), Netns.namespacesWithPrefix(Netns.PREFIX + slot + "-"));
      assertTrue(!Netns.linkExists(Netns.PREFIX + slot + "br"), "the bridge is gone");
      for (long pid : nodes) {
        assertTrue(ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true),
            "process " + pid + " is gone");
      }
    } finally {
      p.destroyForcibly();
    }
  }
}
