package io.synod.raft.runtime;

import io.synod.raft.NodeId;
import io.synod.raft.message.RaftMessage;
import io.synod.raft.spi.RaftTransport;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * An in-memory network for running a whole Raft cluster in one JVM (examples, benchmarks, tests
 * of state machines built on Raft). Delivery hands each message to the addressee's receiver on the
 * sender's thread; receivers (such as {@link RaftServer#receive}) must only enqueue. Nodes can be
 * isolated and healed to simulate partitions.
 *
 * @since 1.0
 */
public final class LocalRaftNetwork {

  private final ConcurrentHashMap<NodeId, Consumer<RaftMessage>> receivers =
      new ConcurrentHashMap<>();
  private final Set<NodeId> isolated = ConcurrentHashMap.newKeySet();

  /** An empty network. */
  public LocalRaftNetwork() {}

  /** Registers the receiver of messages addressed to {@code id}. */
  public void register(NodeId id, Consumer<RaftMessage> receiver) {
    receivers.put(Objects.requireNonNull(id), Objects.requireNonNull(receiver));
  }

  /** Removes the receiver of {@code id}; messages to it are dropped afterwards. */
  public void unregister(NodeId id) {
    receivers.remove(id);
  }

  /** Drops every message from or to {@code id} until {@link #heal}. */
  public void isolate(NodeId id) {
    isolated.add(id);
  }

  /** Ends the isolation of {@code id}. */
  public void heal(NodeId id) {
    isolated.remove(id);
  }

  /** Ends every isolation. */
  public void healAll() {
    isolated.clear();
  }

  /** The transport a node with id {@code self} sends through. */
  public RaftTransport transport(NodeId self) {
    return new RaftTransport() {
      @Override
      public void send(NodeId to, List<RaftMessage> batch) {
        if (isolated.contains(self) || isolated.contains(to)) {
          return;
        }
        Consumer<RaftMessage> r = receivers.get(to);
        if (r == null) {
          return;
        }
        for (RaftMessage m : batch) {
          r.accept(m);
        }
      }
    };
  }
}
