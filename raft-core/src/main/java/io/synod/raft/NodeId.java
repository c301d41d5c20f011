package io.synod.raft;

import java.util.Objects;

/**
 * The name of a Raft member, such as {@code node1}. Compared by value; ordered by name so that
 * iteration over members is deterministic.
 *
 * @param value the non-empty name
 * @since 1.0
 */
public record NodeId(String value) implements Comparable<NodeId> {

  /** Checks the name. */
  public NodeId {
    Objects.requireNonNull(value, "value");
    if (value.isEmpty()) {
      throw new IllegalArgumentException("node id must not be empty");
    }
  }

  /** Shorthand for {@code new NodeId(value)}. */
  public static NodeId of(String value) {
    return new NodeId(value);
  }

  @Override
  public int compareTo(NodeId other) {
    return value.compareTo(other.value);
  }

  @Override
  public String toString() {
    return value;
  }
}
