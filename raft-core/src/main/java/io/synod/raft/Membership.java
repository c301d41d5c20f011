package io.synod.raft;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collection;
import java.util.Collections;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The members of a Raft group: voters (count toward elections and commitment) and learners
 * (receive the log but do not vote). A node uses the latest membership in its log, committed or
 * not (Raft dissertation §4.1). The two sets must be disjoint; voters must not be empty.
 *
 * @param voters the voting members, sorted
 * @param learners the non-voting members, sorted
 * @since 1.0
 */
public record Membership(SortedSet<NodeId> voters, SortedSet<NodeId> learners) {

  /** Copies and checks the sets. */
  public Membership {
    voters = Collections.unmodifiableSortedSet(new TreeSet<>(voters));
    learners = Collections.unmodifiableSortedSet(new TreeSet<>(learners));
    if (voters.isEmpty()) {
      throw new IllegalArgumentException("a membership needs at least one voter");
    }
    for (NodeId l : learners) {
      if (voters.contains(l)) {
        throw new IllegalArgumentException(l + " cannot be both voter and learner");
      }
    }
  }

  /** A membership of voters only. */
  public static Membership ofVoters(Collection<NodeId> voters) {
    return new Membership(new TreeSet<>(voters), new TreeSet<>());
  }

  /** A membership of voters only. */
  public static Membership ofVoters(NodeId... voters) {
    return ofVoters(java.util.List.of(voters));
  }

  /** Voters and learners together, sorted. */
  public SortedSet<NodeId> all() {
    TreeSet<NodeId> all = new TreeSet<>(voters);
    all.addAll(learners);
    return all;
  }

  /** Whether {@code id} is a voter or a learner. */
  public boolean contains(NodeId id) {
    return voters.contains(id) || learners.contains(id);
  }

  /** The number of voters that make a majority. */
  public int quorum() {
    return voters.size() / 2 + 1;
  }

  /** This membership with {@code id} added as a learner. */
  public Membership withLearner(NodeId id) {
    TreeSet<NodeId> v = new TreeSet<>(voters);
    v.remove(id);
    TreeSet<NodeId> l = new TreeSet<>(learners);
    l.add(id);
    return new Membership(v, l);
  }

  /** This membership with {@code id} a voter (promoted if it was a learner). */
  public Membership withVoter(NodeId id) {
    TreeSet<NodeId> v = new TreeSet<>(voters);
    v.add(id);
    TreeSet<NodeId> l = new TreeSet<>(learners);
    l.remove(id);
    return new Membership(v, l);
  }

  /** This membership without {@code id}. */
  public Membership without(NodeId id) {
    TreeSet<NodeId> v = new TreeSet<>(voters);
    v.remove(id);
    TreeSet<NodeId> l = new TreeSet<>(learners);
    l.remove(id);
    return new Membership(v, l);
  }

  /** The bytes of a {@link io.synod.raft.log.EntryType#CONFIGURATION} entry. */
  public byte[] encode() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(voters.size());
      for (NodeId id : voters) {
        out.writeUTF(id.value());
      }
      out.writeInt(learners.size());
      for (NodeId id : learners) {
        out.writeUTF(id.value());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** Reads the bytes written by {@link #encode()}. */
  public static Membership decode(byte[] data) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
      TreeSet<NodeId> v = new TreeSet<>();
      int nv = in.readInt();
      for (int i = 0; i < nv; i++) {
        v.add(new NodeId(in.readUTF()));
      }
      TreeSet<NodeId> l = new TreeSet<>();
      int nl = in.readInt();
      for (int i = 0; i < nl; i++) {
        l.add(new NodeId(in.readUTF()));
      }
      return new Membership(v, l);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public String toString() {
    return "voters=" + voters + (learners.isEmpty() ? "" : " learners=" + learners);
  }
}
