package io.synod.server.cluster;

import io.synod.server.config.Role;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's view of the cluster: members, their roles, when each was last heard from and which
 * are up. (The lock leader is not here: it is the Raft leader, see {@code RaftLocks}. No ring is
 * here either: the rings that route are hashring-queue's {@code HashRing}s, the queue's from the
 * Raft log and the cache homes' over the configured peers; {@code /v1/cluster} shows those.)
 *
 * <p>A member is up while it has been heard from (a heartbeat either way) within the failure
 * timeout; this node is always up to itself. A change of the up set bumps {@link #version()}.
 * Thread-safe.
 */
public final class ClusterView {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterView.class);

  /** One member as seen from here. */
  public static final class Member {
    final String id;
    volatile URI url;
    volatile Set<Role> roles;
    volatile long lastHeard = Long.MIN_VALUE;
    volatile boolean up;
    volatile long downSince;

    Member(String id, URI url, Set<Role> roles) {
      this.id = id;
      this.url = url;
      this.roles = roles;
    }
  }

  private final String self;
  private final LongSupplier clock;
  private final long failureTimeout;
  private final Map<String, Member> members = new TreeMap<>();
  private long version;
  private final List<Runnable> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

  /**
   * Creates the view.
   *
   * @param self this node's id
   * @param selfRoles the roles this node runs
   * @param peers every member's URL by id (this node included)
   * @param clock milliseconds
   * @param failureTimeoutMillis the silence after which a member is down
   */
  public ClusterView(
      String self, Set<Role> selfRoles, Map<String, URI> peers, LongSupplier clock,
      long failureTimeoutMillis) {
    this.self = self;
    this.clock = clock;
    this.failureTimeout = failureTimeoutMillis;
    for (Map.Entry<String, URI> e : peers.entrySet()) {
      Member m =
          new Member(
              e.getKey(), e.getValue(),
              e.getKey().equals(self) ? selfRoles : EnumSet.allOf(Role.class));
      // peers start up so a fresh cluster routes at once; silence marks them down
      m.up = true;
      m.lastHeard = clock.getAsLong();
      members.put(e.getKey(), m);
    }
    recompute(true);
  }

  /**
   * Registers a listener told after every change of the up set or of a member's roles. It runs
   * while this view's monitor is held, so it must only hand the news to another thread.
   *
   * @param listener the listener
   */
  public void onChange(Runnable listener) {
    listeners.add(listener);
  }

  /** @return this node's id */
  public String self() {
    return self;
  }

  /**
   * Records that a member was heard from.
   *
   * @param id the member
   * @param roles its roles, or {@code null} when unknown
   */
  public void heard(String id, Set<Role> roles) {
    synchronized (this) {
      Member m = members.get(id);
      if (m == null) {
        return;
      }
      m.lastHeard = clock.getAsLong();
      boolean changed = false;
      if (roles != null && !roles.equals(m.roles)) {
        m.roles = Collections.unmodifiableSet(EnumSet.copyOf(roles.isEmpty()
            ? EnumSet.noneOf(Role.class) : roles));
        changed = true;
      }
      if (!m.up) {
        m.up = true;
        LOG.info("member {} is up", id);
        changed = true;
      }
      if (changed) {
        recompute(true);
      }
    }
  }

  /** Marks members down whose silence exceeds the failure timeout; runs periodically. */
  public synchronized void check() {
    long now = clock.getAsLong();
    boolean changed = false;
    for (Member m : members.values()) {
      if (m.id.equals(self)) {
        continue;
      }
      if (m.up && now - m.lastHeard > failureTimeout) {
        m.up = false;
        m.downSince = now;
        LOG.warn("member {} is down: silent for {} ms", m.id, now - m.lastHeard);
        changed = true;
      }
    }
    if (changed) {
      recompute(true);
    }
  }

  /**
   * Adds a member (or changes its URL).
   *
   * @param id the member id
   * @param url its URL
   */
  public synchronized void add(String id, URI url) {
    Member m = members.get(id);
    if (m == null) {
      m = new Member(id, url, EnumSet.allOf(Role.class));
      m.up = true;
      m.lastHeard = clock.getAsLong();
      members.put(id, m);
    } else {
      m.url = url;
    }
    recompute(true);
  }

  /**
   * Removes a member.
   *
   * @param id the member id
   * @return whether it was a member
   */
  public synchronized boolean remove(String id) {
    if (id.equals(self) || members.remove(id) == null) {
      return false;
    }
    recompute(true);
    return true;
  }

  private void recompute(boolean bump) {
    if (bump) {
      version++;
    }
    for (Runnable l : listeners) {
      l.run();
    }
  }

  /** @return changes of the up set so far */
  public synchronized long version() {
    return version;
  }

  /**
   * Returns a member's URL.
   *
   * @param id the member
   * @return its URL, or {@code null} when not a member
   */
  public synchronized URI url(String id) {
    Member m = members.get(id);
    return m == null ? null : m.url;
  }

  /** @return the ids of the other members, sorted */
  public synchronized List<String> others() {
    List<String> out = new ArrayList<>();
    for (String id : members.keySet()) {
      if (!id.equals(self)) {
        out.add(id);
      }
    }
    return out;
  }

  /**
   * Returns the other members that are up and run a role.
   *
   * @param role the role
   * @return their ids, sorted
   */
  public synchronized List<String> upOthers(Role role) {
    List<String> out = new ArrayList<>();
    for (Member m : members.values()) {
      if (!m.id.equals(self) && m.up && m.roles.contains(role)) {
        out.add(m.id);
      }
    }
    return out;
  }

  /**
   * Returns the members that are up and run a role, this node included when it does.
   *
   * @param role the role
   * @return their ids, sorted
   */
  public synchronized List<String> up(Role role) {
    List<String> out = new ArrayList<>();
    for (Member m : members.values()) {
      if (m.up && m.roles.contains(role)) {
        out.add(m.id);
      }
    }
    return out;
  }

  /**
   * Returns every member that runs a role, up or not.
   *
   * @param role the role
   * @return their ids, sorted
   */
  public synchronized List<String> withRole(Role role) {
    List<String> out = new ArrayList<>();
    for (Member m : members.values()) {
      if (m.roles.contains(role)) {
        out.add(m.id);
      }
    }
    return out;
  }

  /**
   * Tells whether a member is up as this node's failure detector sees it.
   *
   * @param id the member
   * @return whether it is up (false when not a member)
   */
  public synchronized boolean isUp(String id) {
    Member m = members.get(id);
    return m != null && m.up;
  }

  /** @return the number of members up */
  public synchronized int upCount() {
    int n = 0;
    for (Member m : members.values()) {
      n += m.up ? 1 : 0;
    }
    return n;
  }

  /**
   * Describes the view.
   *
   * @param leader the lock (Raft) leader to show, or {@code null}
   * @return a JSON-ready description: node_id, leader, version, members
   */
  public synchronized Map<String, Object> describe(String leader) {
    long now = clock.getAsLong();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("node_id", self);
    out.put("leader", leader);
    out.put("version", version);
    List<Map<String, Object>> ms = new ArrayList<>();
    for (Member m : members.values()) {
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("node_id", m.id);
      d.put("url", m.url.toString());
      d.put("state", m.up ? "up" : "down");
      List<String> roles = new ArrayList<>();
      for (Role r : m.roles) {
        roles.add(r.id());
      }
      d.put("roles", roles);
      d.put("self", m.id.equals(self));
      d.put("last_heartbeat_ms_ago", m.id.equals(self) ? 0 : Math.max(0, now - m.lastHeard));
      d.put("leader", m.id.equals(leader));
      ms.add(d);
    }
    out.put("members", ms);
    return out;
  }
}
