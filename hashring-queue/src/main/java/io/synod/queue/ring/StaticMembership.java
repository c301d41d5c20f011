package io.synod.queue.ring;

import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A membership changed by explicit {@link #join} and {@link #leave} calls; thread-safe. Listeners
 * run on the calling thread, in version order.
 */
public final class StaticMembership implements Membership {
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();
  private SortedSet<String> members;
  private long version;

  /**
   * Starts with the given members at version 1.
   *
   * @param initial node ids, each checked by {@link HashRing#checkNodeId}
   */
  public StaticMembership(Collection<String> initial) {
    TreeSet<String> s = new TreeSet<>();
    for (String n : initial) {
      HashRing.checkNodeId(n);
      s.add(n);
    }
    this.members = Collections.unmodifiableSortedSet(s);
    this.version = 1;
  }

  @Override
  public synchronized SortedSet<String> members() {
    return members;
  }

  @Override
  public synchronized long version() {
    return version;
  }

  @Override
  public AutoCloseable subscribe(Listener listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  /**
   * Adds a node; no change (and no notification) when it is a member already.
   *
   * @param node the node id
   * @return true when the set changed
   */
  public boolean join(String node) {
    HashRing.checkNodeId(node);
    return change(node, true);
  }

  /**
   * Removes a node; no change when it is not a member.
   *
   * @param node the node id
   * @return true when the set changed
   */
  public boolean leave(String node) {
    return change(node, false);
  }

  private synchronized boolean change(String node, boolean add) {
    TreeSet<String> next = new TreeSet<>(members);
    boolean changed = add ? next.add(node) : next.remove(node);
    if (!changed) {
      return false;
    }
    members = Collections.unmodifiableSortedSet(next);
    version++;
    for (Listener l : listeners) {
      l.membersChanged(members, version);
    }
    return true;
  }
}
