package io.synod.server.chaos;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The network of one chaos run: a Linux bridge in the root namespace and one network namespace per
 * member (three nodes, optionally Redis), each joined to the bridge by a veth pair, on an address
 * range of its own (10.213.(100+slot).0/24). The namespaces have no default route, so nothing a
 * node sends can leave the machine; the harness talks to them from the root namespace through the
 * bridge address (.1).
 *
 * <p>Faults are nftables rules in a table {@code inet chaos} inside each member's namespace, so
 * healing is one flush and removing the namespace removes every rule with it.
 *
 * <p>A run holds an exclusive file lock on its slot ({@code /run/synchaos/slot-N.lock}) for its
 * whole life: the kernel releases it when the process dies, however it dies, so a later run can
 * tell leftovers of a dead run (slot lock free, namespaces present) from a live run's network and
 * sweeps only the former.
 */
final class Netns implements AutoCloseable {
  /** The name prefix of every namespace, bridge and veth a chaos run creates. */
  static final String PREFIX = "synchaos";

  private static final int SLOTS = 16;
  private static final Path LOCK_DIR = Path.of("/run/synchaos");

  private final int slot;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final Map<String, Integer> members = new LinkedHashMap<>();
  private final List<String> created = new ArrayList<>();
  private boolean bridgeUp;

  private Netns(int slot, FileChannel channel, FileLock lock) {
    this.slot = slot;
    this.lockChannel = channel;
    this.lock = lock;
  }

  /**
   * Claims a free slot, first removing the leftovers of dead runs (namespaces and bridges with the
   * {@link #PREFIX} whose slot lock nobody holds), and returns the empty network of that slot.
   *
   * @param log receives one line per leftover removed
   * @throws IllegalStateException when every slot is in use or a command fails
   */
  static Netns claim(java.util.function.Consumer<String> log) throws IOException {
    Files.createDirectories(LOCK_DIR);
    for (int s = 0; s < SLOTS; s++) {
      FileChannel ch = FileChannel.open(LOCK_DIR.resolve("slot-" + s + ".lock"),
          StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock l;
      try {
        l = ch.tryLock();
      } catch (java.nio.channels.OverlappingFileLockException heldHere) {
        l = null;
      }
      if (l == null) {
        ch.close();
        continue;
      }
      Netns n = new Netns(s, ch, l);
      n.sweep(log);
      return n;
    }
    throw new IllegalStateException("all " + SLOTS + " chaos network slots are in use");
  }

  /** Removes whatever a dead run left in this slot: processes, namespaces, the bridge. */
  private void sweep(java.util.function.Consumer<String> log) {
    String nsPrefix = PREFIX + slot + "-";
    String out = run(List.of("ip", "netns", "list"), true);
    for (String line : out.split("\n")) {
      String name = line.strip().split("\\s+")[0];
      if (name.startsWith(nsPrefix)) {
        log.accept("sweeping stale namespace " + name);
        killAllIn(name);
        run(List.of("ip", "netns", "del", name), true);
      }
    }
    if (linkExists(bridge())) {
      log.accept("sweeping stale bridge " + bridge());
      run(List.of("ip", "link", "del", bridge()), true);
    }
  }

  /** The slot this run holds. */
  int slot() {
    return slot;
  }

  /** The bridge device in the root namespace. */
  String bridge() {
    return PREFIX + slot + "br";
  }

  /** The namespace of a member ("n1", "n2", "n3", "redis"). */
  String namespace(String member) {
    return PREFIX + slot + "-" + member;
  }

  /** The address of the root namespace on the bridge: where client traffic comes from. */
  String hostAddress() {
    return "10.213." + (100 + slot) + ".1";
  }

  /** A member's address. */
  String address(String member) {
    Integer i = members.get(member);
    if (i == null) {
      throw new IllegalArgumentException("no member " + member);
    }
    return "10.213." + (100 + slot) + "." + (10 + i);
  }

  /** Creates the bridge (on first use) and a namespace joined to it for the member. */
  void addMember(String member) {
    if (!bridgeUp) {
      run(List.of("ip", "link", "add", bridge(), "type", "bridge"), false);
      created.add("bridge");
      bridgeUp = true;
      run(List.of("ip", "addr", "add", hostAddress() + "/24", "dev", bridge()), false);
      run(List.of("ip", "link", "set", bridge(), "up"), false);
    }
    int index = members.size() + 1;
    members.put(member, index);
    String ns = namespace(member);
    run(List.of("ip", "netns", "add", ns), false);
    created.add(ns);
    String outside = PREFIX.substring(0, 2) + slot + "v" + index + "o";
    String inside = PREFIX.substring(0, 2) + slot + "v" + index + "i";
    if (linkExists(outside)) {
      // a veth of this slot outlived its deleted namespace (the kernel frees a namespace only
      // once nothing holds it): this run holds the slot, so the device is a leftover
      run(List.of("ip", "link", "del", outside), true);
    }
    run(List.of("ip", "link", "add", outside, "type", "veth", "peer", "name", inside), false);
    run(List.of("ip", "link", "set", inside, "netns", ns), false);
    run(List.of("ip", "link", "set", outside, "master", bridge(), "up"), false);
    run(List.of("ip", "-n", ns, "link", "set", "lo", "up"), false);
    run(List.of("ip", "-n", ns, "link", "set", inside, "name", "eth0"), false);
    run(List.of("ip", "-n", ns, "addr", "add", address(member) + "/24", "dev", "eth0"), false);
    run(List.of("ip", "-n", ns, "link", "set", "eth0", "up"), false);
    // the chaos table: empty chains that faults fill and heal flushes
    nft(member, "add table inet chaos");
    nft(member, "add chain inet chaos in { type filter hook input priority 0 ; policy accept ; }");
    nft(member, "add chain inet chaos out { type filter hook output priority 0 ; policy accept ; }");
  }

  /** Drops every packet between the member and the given address, both ways. */
  void cut(String member, String address) {
    nft(member, "add rule inet chaos in ip saddr " + address + " drop");
    nft(member, "add rule inet chaos out ip daddr " + address + " drop");
  }

  /** Drops the given percentage of the packets the member receives (the kernel's randomness). */
  void loss(String member, int percent) {
    nft(member, "add rule inet chaos in meta l4proto tcp numgen random mod 100 < " + percent
        + " drop");
  }

  /** Removes every fault rule of the member. */
  void heal(String member) {
    nft(member, "flush chain inet chaos in");
    nft(member, "flush chain inet chaos out");
  }

  private void nft(String member, String rule) {
    List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", namespace(member), "nft"));
    cmd.addAll(List.of(rule.split(" ")));
    run(cmd, false);
  }

  /** The command that runs {@code command} inside the member's namespace. */
  List<String> exec(String member, List<String> command) {
    List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", namespace(member)));
    cmd.addAll(command);
    return cmd;
  }

  private void killAllIn(String ns) {
    String pids = run(List.of("ip", "netns", "pids", ns), true);
    for (String p : pids.split("\\s+")) {
      if (!p.isBlank()) {
        ProcessHandle.of(Long.parseLong(p.strip())).ifPresent(ProcessHandle::destroyForcibly);
      }
    }
  }

  /**
   * Kills whatever still runs in the namespaces, removes them and the bridge, and releases the
   * slot. Safe to call more than once and from a shutdown hook.
   */
  @Override
  public synchronized void close() {
    for (String c : created) {
      if (!c.equals("bridge")) {
        killAllIn(c);
        run(List.of("ip", "netns", "del", c), true);
      }
    }
    if (bridgeUp) {
      run(List.of("ip", "link", "del", bridge()), true);
      bridgeUp = false;
    }
    created.clear();
    try {
      if (lock.isValid()) {
        lock.release();
      }
      lockChannel.close();
    } catch (IOException e) {
      // the lock goes with the process anyway
    }
  }

  /** True when a network device of that name exists in the root namespace. */
  static boolean linkExists(String name) {
    return !run(List.of("ip", "-o", "link", "show", "dev", name), true).isBlank();
  }

  /** Every namespace whose name starts with the prefix (for tests of the cleanup). */
  static List<String> namespacesWithPrefix(String prefix) {
    List<String> names = new ArrayList<>();
    for (String line : run(List.of("ip", "netns", "list"), true).split("\n")) {
      String name = line.strip().split("\\s+")[0];
      if (name.startsWith(prefix)) {
        names.add(name);
      }
    }
    return names;
  }

  /**
   * Runs a command to its end (bounded: 20 s) and returns its output.
   *
   * @param mayFail when false a non-zero exit throws
   */
  static String run(List<String> cmd, boolean mayFail) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      p.getOutputStream().close();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("timed out: " + String.join(" ", cmd));
      }
      String text = new String(out, StandardCharsets.UTF_8);
      if (p.exitValue() != 0 && !mayFail) {
        throw new IllegalStateException(
            "failed (" + p.exitValue() + "): " + String.join(" ", cmd) + ": " + text.strip());
      }
      return p.exitValue() == 0 ? text : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted: " + String.join(" ", cmd), e);
    }
  }
}
