package io.synod.raft.spi;

import io.synod.raft.NodeId;
import io.synod.raft.message.RaftMessage;
import java.util.List;

/**
 * Carries Raft messages to peers. Implementations: {@code LocalRaftNetwork} (one JVM) and the
 * HTTP transport in {@code transport-http} (which ships {@code RaftMessageCodec} bytes).
 *
 * <p>Contract: {@link #send} is called on a node's Raft thread and must not block (queue and
 * return); it must not throw for an unreachable peer (drop instead: Raft retries). Delivery may
 * lose, delay, duplicate or reorder messages, but must not alter them. On the receiving side the
 * transport hands each message to the addressee's {@code RaftServer.receive}.
 *
 * @since 1.0
 */
public interface RaftTransport extends AutoCloseable {

  /**
   * Sends a batch of messages, all addressed to {@code to}, in order if possible. Must not block
   * and must not throw for delivery failures.
   */
  void send(NodeId to, List<RaftMessage> batch);

  /** Releases connections. */
  @Override
  default void close() {}
}
