package io.synod.raft.sim;

import io.synod.raft.NodeId;
import io.synod.raft.message.RaftMessage;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * The simulated network: each message is delayed by a random amount (so messages reorder), may
 * be dropped or duplicated, and is cut by partitions, which may be one-way. Deterministic: all
 * draws come from the simulation's random source.
 *
 * @since 1.0
 */
public final class SimNetwork {

  private final Simulation sim;
  private final RandomGenerator rnd;
  private final SimOptions opts;
  /** Blocked directed links "from->to". */
  private final Set<String> blocked = new HashSet<>();
  private long sent;
  private long dropped;

  SimNetwork(Simulation sim, RandomGenerator rnd, SimOptions opts) {
    this.sim = sim;
    this.rnd = rnd;
    this.opts = opts;
  }

  /** Sends one message, subject to partitions, loss, duplication and delay. */
  public void send(RaftMessage m) {
    sent++;
    if (!blocked.isEmpty() && blocked.contains(m.from().value() + ">" + m.to().value())) {
      dropped++;
      return;
    }
    boolean faulty = !sim.inLivenessPhase();
    if (faulty && opts.lossRate() > 0 && rnd.nextDouble() < opts.lossRate()) {
      dropped++;
      return;
    }
    sim.schedule(1 + rnd.nextInt(opts.maxDelay()), Simulation.Kind.DELIVER, m.to(), m, null);
    if (faulty && opts.dupRate() > 0 && rnd.nextDouble() < opts.dupRate()) {
      sim.schedule(1 + rnd.nextInt(opts.maxDelay() * 2), Simulation.Kind.DELIVER, m.to(), m,
          null);
    }
  }

  /** Removes every partition. */
  public void heal() {
    blocked.clear();
  }

  /** Splits the nodes into two random sides, cut both ways; returns a description. */
  String randomPartition(List<Simulation.SimNode> all) {
    blocked.clear();
    List<NodeId> a = new ArrayList<>();
    List<NodeId> b = new ArrayList<>();
    for (Simulation.SimNode n : all) {
      (rnd.nextBoolean() ? a : b).add(n.id);
    }
    for (NodeId x : a) {
      for (NodeId y : b) {
        blocked.add(x.value() + ">" + y.value());
        blocked.add(y.value() + ">" + x.value());
      }
    }
    return "partition " + a + " | " + b;
  }

  /** Cuts {@code node} off from every other node, both ways; returns a description. */
  String isolate(NodeId node, List<Simulation.SimNode> all) {
    blocked.clear();
    for (Simulation.SimNode n : all) {
      if (!n.id.equals(node)) {
        blocked.add(node.value() + ">" + n.id.value());
        blocked.add(n.id.value() + ">" + node.value());
      }
    }
    return "isolate " + node;
  }

  /** Cuts one random directed link (asymmetric partition); returns a description. */
  String randomOneWayCut(List<Simulation.SimNode> all) {
    NodeId from = all.get(rnd.nextInt(all.size())).id;
    NodeId to = all.get(rnd.nextInt(all.size())).id;
    if (from.equals(to)) {
      return "no cut";
    }
    blocked.add(from.value() + ">" + to.value());
    return "cut " + from + " -> " + to;
  }

  /** Messages sent and dropped so far. */
  public String stats() {
    return "sent=" + sent + " dropped=" + dropped;
  }
}
