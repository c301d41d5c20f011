package io.synod.server.service;

import com.fasterxml.jackson.databind.JsonNode;
import io.synod.server.Invariants;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;

/**
 * The topics a node owns: an append-only log per topic, consumer groups with a cursor and a
 * pending list each, at-least-once delivery with acknowledgement, a visibility timeout after which
 * an unacknowledged message is delivered again, a delivery count, and a dead-letter topic
 * ({@code <topic>.dead}) after the maximum number of deliveries. Long-poll consumers wait for the
 * next publish up to their deadline.
 *
 * <p>Thread-safe: every mutation is synchronized; waiting consumers are completed after the
 * monitor is released. Messages are kept until every existing group has acknowledged them.
 */
public final class TopicStore {
  /** A message as delivered. */
  public record Message(String id, JsonNode data, long timestamp, int deliveries) {}

  private static final class Stored {
    final long seq;
    final String id;
    final JsonNode data;
    final long timestamp;

    Stored(long seq, String id, JsonNode data, long timestamp) {
      this.seq = seq;
      this.id = id;
      this.data = data;
      this.timestamp = timestamp;
    }
  }

  private static final class Pending {
    final String consumer;
    int deliveries;
    long visibleAt;

    Pending(String consumer, int deliveries, long visibleAt) {
      this.consumer = consumer;
      this.deliveries = deliveries;
      this.visibleAt = visibleAt;
    }
  }

  private static final class Group {
    long next;
    final TreeMap<Long, Pending> pending = new TreeMap<>();
    /** Acknowledged (per replication) but not delivered by this node: skipped when consuming. */
    final java.util.TreeSet<Long> ackedAhead = new java.util.TreeSet<>();
  }

  private static final class Waiter {
    final String group;
    final String consumer;
    final int max;
    final long deadline;
    final CompletableFuture<List<Message>> future = new CompletableFuture<>();

    Waiter(String group, String consumer, int max, long deadline) {
      this.group = group;
      this.consumer = consumer;
      this.max = max;
      this.deadline = deadline;
    }
  }

  private static final class Topic {
    long nextSeq = 1;
    final TreeMap<Long, Stored> log = new TreeMap<>();
    final Map<String, Long> idToSeq = new TreeMap<>();
    final Map<String, Group> groups = new TreeMap<>();
    final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    long published;
    long acked;
    long redeliveries;
    long deadLettered;
  }

  /** Suffix of a topic's dead-letter topic. */
  public static final String DEAD_SUFFIX = ".dead";

  private final LongSupplier clock;
  private final long visibilityMillis;
  private final int maxDeliveries;
  private final int maxDepth;
  private final int maxWaiters;
  private final Map<String, Topic> topics = new TreeMap<>();

  /**
   * Creates an empty store.
   *
   * @param clock milliseconds
   * @param visibilityMillis how long a delivered message stays invisible to other consumers
   * @param maxDeliveries deliveries before a message is dead-lettered
   * @param maxDepth the most messages a topic holds
   * @param maxWaiters the most long-poll consumers waiting on one topic
   */
  public TopicStore(
      LongSupplier clock, long visibilityMillis, int maxDeliveries, int maxDepth, int maxWaiters) {
    this.clock = clock;
    this.visibilityMillis = visibilityMillis;
    this.maxDeliveries = maxDeliveries;
    this.maxDepth = maxDepth;
    this.maxWaiters = maxWaiters;
  }

  /**
   * Appends messages to a topic, atomically: all or none.
   *
   * @param topic the topic
   * @param payloads the messages' data
   * @return the new message ids in order
   * @throws ServiceException 507 {@code topic_full} when the topic would exceed its depth
   */
  public List<String> publish(String topic, List<JsonNode> payloads) {
    List<String> ids = new ArrayList<>();
    List<Runnable> completions = new ArrayList<>();
    synchronized (this) {
      Topic t = topics.computeIfAbsent(topic, k -> new Topic());
      if (t.log.size() + payloads.size() > maxDepth) {
        throw new ServiceException(
            507, "topic_full", "topic '" + topic + "' holds " + t.log.size() + " messages");
      }
      long now = clock.getAsLong();
      for (JsonNode p : payloads) {
        long seq = t.nextSeq++;
        String id = now + "-" + seq;
        t.log.put(seq, new Stored(seq, id, p, now));
        t.idToSeq.put(id, seq);
        t.published++;
        ids.add(id);
      }
      serveWaiters(topic, t, completions);
    }
    completions.forEach(Runnable::run);
    return ids;
  }

  /**
   * Delivers up to {@code max} messages to a consumer of a group: first expired pending ones,
   * then new ones. A group is created on first use and starts at the topic's beginning.
   *
   * @param topic the topic
   * @param group the consumer group
   * @param consumer the consumer
   * @param max the most messages
   * @param waitMillis how long to wait for a message when none is ready (0: answer now)
   * @return the messages, possibly empty
   */
  public CompletableFuture<List<Message>> consume(
      String topic, String group, String consumer, int max, long waitMillis) {
    List<Runnable> completions = new ArrayList<>();
    CompletableFuture<List<Message>> result;
    synchronized (this) {
      Topic t = topics.computeIfAbsent(topic, k -> new Topic());
      List<Message> got = take(topic, t, group, consumer, max, completions);
      if (!got.isEmpty() || waitMillis <= 0) {
        result = CompletableFuture.completedFuture(got);
      } else if (t.waiters.size() >= maxWaiters) {
        result = CompletableFuture.completedFuture(List.of());
      } else {
        Waiter w = new Waiter(group, consumer, max, clock.getAsLong() + waitMillis);
        t.waiters.addLast(w);
        result = w.future;
      }
    }
    completions.forEach(Runnable::run);
    return result;
  }

  private List<Message> take(
      String topic, Topic t, String groupName, String consumer, int max,
      List<Runnable> completions) {
    Group g = t.groups.computeIfAbsent(groupName, k -> new Group());
    long now = clock.getAsLong();
    List<Message> out = new ArrayList<>();
    List<Long> dead = new ArrayList<>();
    for (Map.Entry<Long, Pending> e : g.pending.entrySet()) {
      if (out.size() >= max) {
        break;
      }
      Pending p = e.getValue();
      if (p.visibleAt > now) {
        continue;
      }
      Stored s = t.log.get(e.getKey());
      if (s == null) {
        dead.add(e.getKey());
        continue;
      }
      if (p.deliveries >= maxDeliveries) {
        dead.add(e.getKey());
        deadLetter(topic, t, s, p, completions);
        continue;
      }
      p.deliveries++;
      p.visibleAt = now + visibilityMillis;
      t.redeliveries++;
      out.add(new Message(s.id, s.data, s.timestamp, p.deliveries));
    }
    for (Long seq : dead) {
      g.pending.remove(seq);
    }
    while (out.size() < max) {
      Map.Entry<Long, Stored> e = t.log.ceilingEntry(g.next);
      if (e == null) {
        break;
      }
      Stored s = e.getValue();
      g.next = s.seq + 1;
      if (g.ackedAhead.remove(s.seq)) {
        continue;
      }
      g.pending.put(s.seq, new Pending(consumer, 1, now + visibilityMillis));
      out.add(new Message(s.id, s.data, s.timestamp, 1));
    }
    if (!dead.isEmpty()) {
      trim(t);
    }
    return out;
  }

  private void deadLetter(String topic, Topic t, Stored s, Pending p, List<Runnable> c) {
    t.deadLettered++;
    Topic d = topics.computeIfAbsent(topic + DEAD_SUFFIX, k -> new Topic());
    long seq = d.nextSeq++;
    d.log.put(seq, new Stored(seq, s.id, s.data, s.timestamp));
    d.idToSeq.put(s.id, seq);
    d.published++;
    serveWaiters(topic + DEAD_SUFFIX, d, c);
  }

  private void serveWaiters(String topic, Topic t, List<Runnable> completions) {
    long now = clock.getAsLong();
    Iterator<Waiter> it = t.waiters.iterator();
    while (it.hasNext()) {
      Waiter w = it.next();
      if (w.future.isDone()) {
        it.remove();
        continue;
      }
      if (now > w.deadline) {
        it.remove();
        completions.add(() -> w.future.complete(List.of()));
        continue;
      }
      List<Message> got = take(topic, t, w.group, w.consumer, w.max, completions);
      if (!got.isEmpty()) {
        it.remove();
        completions.add(() -> w.future.complete(got));
      }
    }
  }

  /**
   * Acknowledges a delivered message for a group; acknowledging twice is harmless.
   *
   * @param topic the topic
   * @param group the group
   * @param messageId the message id
   * @throws ServiceException 404 {@code unknown_message} when the group never got that message
   */
  public synchronized void ack(String topic, String group, String messageId) {
    Topic t = topics.get(topic);
    Group g = t == null ? null : t.groups.get(group);
    Long seq = t == null ? null : t.idToSeq.get(messageId);
    if (g == null || seq == null) {
      if (g != null && parseSeq(messageId) > 0 && parseSeq(messageId) < g.next) {
        return;
      }
      throw new ServiceException(
          404,
          "unknown_message",
          "message '" + messageId + "' was not delivered to group '" + group + "' of '"
              + topic + "'");
    }
    if (g.pending.remove(seq) != null) {
      t.acked++;
      trim(t);
    } else if (seq >= g.next && !g.ackedAhead.contains(seq)) {
      throw new ServiceException(
          409, "not_delivered", "message '" + messageId + "' has not been delivered yet");
    }
  }

  private static long parseSeq(String id) {
    int dash = id.lastIndexOf('-');
    try {
      return dash < 0 ? -1 : Long.parseLong(id.substring(dash + 1));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /**
   * Installs messages published on the topic's owner, with the owner's ids, so this node can
   * take the topic over without losing them. Idempotent.
   *
   * @param topic the topic
   * @param ids the owner's message ids ({@code <millis>-<seq>})
   * @param payloads the messages' data, in the same order
   */
  public void applyPublish(String topic, List<String> ids, List<JsonNode> payloads) {
    List<Runnable> completions = new ArrayList<>();
    synchronized (this) {
      Topic t = topics.computeIfAbsent(topic, k -> new Topic());
      for (int i = 0; i < ids.size(); i++) {
        String id = ids.get(i);
        long seq = parseSeq(id);
        int dash = id.lastIndexOf('-');
        long ts = dash > 0 ? Long.parseLong(id.substring(0, dash)) : clock.getAsLong();
        if (seq <= 0 || t.idToSeq.containsKey(id)) {
          continue;
        }
        boolean trimmed = true;
        for (Group g : t.groups.values()) {
          trimmed &= g.ackedAhead.contains(seq) || seq < g.next && !g.pending.containsKey(seq);
        }
        if (!t.groups.isEmpty() && trimmed && seq < t.nextSeq) {
          continue;
        }
        t.log.put(seq, new Stored(seq, id, payloads.get(i), ts));
        t.idToSeq.put(id, seq);
        t.nextSeq = Math.max(t.nextSeq, seq + 1);
        t.published++;
      }
      trim(t);
      serveWaiters(topic, t, completions);
    }
    completions.forEach(Runnable::run);
  }

  /**
   * Records acknowledgements made on the topic's owner. Idempotent; may arrive before the
   * publish it refers to.
   *
   * @param topic the topic
   * @param group the group
   * @param ids the acknowledged message ids
   */
  public synchronized void applyAck(String topic, String group, List<String> ids) {
    Topic t = topics.computeIfAbsent(topic, k -> new Topic());
    Group g = t.groups.computeIfAbsent(group, k -> new Group());
    for (String id : ids) {
      long seq = parseSeq(id);
      if (seq <= 0) {
        continue;
      }
      if (g.pending.remove(seq) != null) {
        t.acked++;
      } else if (seq >= g.next) {
        g.ackedAhead.add(seq);
        t.acked++;
      }
    }
    trim(t);
  }

  /**
   * Makes a delivered message visible again at once (a negative acknowledgement).
   *
   * @param topic the topic
   * @param group the group
   * @param messageId the message id
   * @throws ServiceException 404 when it is not pending for that group
   */
  public void nack(String topic, String group, String messageId) {
    List<Runnable> completions = new ArrayList<>();
    synchronized (this) {
      Topic t = topics.get(topic);
      Group g = t == null ? null : t.groups.get(group);
      Long seq = t == null ? null : t.idToSeq.get(messageId);
      Pending p = g == null || seq == null ? null : g.pending.get(seq);
      if (p == null) {
        throw new ServiceException(
            404, "unknown_message", "message '" + messageId + "' is not pending in '" + group
                + "'");
      }
      p.visibleAt = clock.getAsLong();
      serveWaiters(topic, t, completions);
    }
    completions.forEach(Runnable::run);
  }

  /** Times out long-poll consumers whose deadline passed; runs periodically. */
  public void expire() {
    List<Runnable> completions = new ArrayList<>();
    synchronized (this) {
      long now = clock.getAsLong();
      for (Map.Entry<String, Topic> e : topics.entrySet()) {
        Topic t = e.getValue();
        boolean ready = false;
        for (Group g : t.groups.values()) {
          if (!g.pending.isEmpty() && g.pending.firstEntry().getValue().visibleAt <= now) {
            ready = true;
          }
        }
        if (!t.waiters.isEmpty() && ready) {
          serveWaiters(e.getKey(), t, completions);
        }
        t.waiters.removeIf(
            w -> {
              if (now > w.deadline || w.future.isDone()) {
                completions.add(() -> w.future.complete(List.of()));
                return true;
              }
              return false;
            });
      }
    }
    completions.forEach(Runnable::run);
  }

  private void trim(Topic t) {
    if (t.groups.isEmpty()) {
      return;
    }
    long keepFrom = Long.MAX_VALUE;
    for (Group g : t.groups.values()) {
      // a replica's group skips over messages it learnt were acknowledged
      while (!g.ackedAhead.isEmpty() && t.log.ceilingKey(g.next) != null
          && g.ackedAhead.first().equals(t.log.ceilingKey(g.next))) {
        g.next = g.ackedAhead.pollFirst() + 1;
      }
      long low = g.pending.isEmpty() ? g.next : Math.min(g.next, g.pending.firstKey());
      keepFrom = Math.min(keepFrom, low);
    }
    while (!t.log.isEmpty() && t.log.firstKey() < keepFrom) {
      Stored s = t.log.pollFirstEntry().getValue();
      t.idToSeq.remove(s.id);
    }
    Invariants.check(
        t.log.isEmpty() || t.log.firstKey() >= keepFrom, "no unacknowledged message is trimmed");
  }

  /**
   * Describes one topic.
   *
   * @param topic the topic
   * @return depth, published, acknowledged, redeliveries, dead letters and per-group pending
   */
  public synchronized Map<String, Object> stats(String topic) {
    Topic t = topics.get(topic);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("topic", topic);
    if (t == null) {
      out.put("depth", 0);
      out.put("published", 0);
      out.put("acknowledged", 0);
      out.put("redeliveries", 0);
      out.put("dead_letters", 0);
      out.put("groups", Map.of());
      return out;
    }
    out.put("depth", t.log.size());
    out.put("published", t.published);
    out.put("acknowledged", t.acked);
    out.put("redeliveries", t.redeliveries);
    out.put("dead_letters", t.deadLettered);
    Map<String, Object> groups = new LinkedHashMap<>();
    for (Map.Entry<String, Group> e : t.groups.entrySet()) {
      Map<String, Object> g = new LinkedHashMap<>();
      g.put("pending", e.getValue().pending.size());
      Map.Entry<Long, Stored> nextUp = t.log.ceilingEntry(e.getValue().next);
      g.put("lag", nextUp == null ? 0 : t.log.tailMap(nextUp.getKey(), true).size());
      groups.put(e.getKey(), g);
    }
    out.put("groups", groups);
    return out;
  }

  /**
   * Lists the messages waiting in a topic (for the dead-letter view).
   *
   * @param topic the topic
   * @param max the most to list
   * @return the messages, oldest first
   */
  public synchronized List<Message> peek(String topic, int max) {
    Topic t = topics.get(topic);
    List<Message> out = new ArrayList<>();
    if (t == null) {
      return out;
    }
    for (Stored s : t.log.values()) {
      if (out.size() >= max) {
        break;
      }
      out.add(new Message(s.id, s.data, s.timestamp, 0));
    }
    return out;
  }

  /** @return the names of the topics, sorted */
  public synchronized List<String> topics() {
    return new ArrayList<>(topics.keySet());
  }

  /** @return totals over all topics: depth, pending, redeliveries, dead letters */
  public synchronized Map<String, Long> totals() {
    long depth = 0;
    long pending = 0;
    long redeliveries = 0;
    long dead = 0;
    for (Topic t : topics.values()) {
      depth += t.log.size();
      for (Group g : t.groups.values()) {
        pending += g.pending.size();
      }
      redeliveries += t.redeliveries;
      dead += t.deadLettered;
    }
    Map<String, Long> out = new LinkedHashMap<>();
    out.put("depth", depth);
    out.put("pending", pending);
    out.put("redeliveries", redeliveries);
    out.put("dead_letters", dead);
    return out;
  }
}
