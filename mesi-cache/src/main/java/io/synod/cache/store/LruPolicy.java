package io.synod.cache.store;

import io.synod.cache.Invariants;
import java.util.HashMap;

/**
 * Exact least-recently-used order: a hash map onto an intrusive doubly linked list, O(1) per
 * event. The victim is the least recently inserted or accessed key.
 *
 * @param <K> the key type
 */
public final class LruPolicy<K> implements ReplacementPolicy<K> {
  private static final class Node<K> {
    final K key;
    Node<K> prev;
    Node<K> next;

    Node(K key) {
      this.key = key;
    }
  }

  private final HashMap<K, Node<K>> nodes = new HashMap<>();
  // sentinel: head.next is the least recent, head.prev the most recent
  private final Node<K> head = new Node<>(null);

  /** Creates an empty policy. */
  public LruPolicy() {
    head.prev = head;
    head.next = head;
  }

  @Override
  public void recordInsert(K key) {
    Node<K> node = new Node<>(key);
    Invariants.check(nodes.putIfAbsent(key, node) == null, "LRU: key already resident: " + key);
    linkLast(node);
  }

  @Override
  public void recordAccess(K key) {
    Node<K> node = nodes.get(key);
    if (node != null && node != head.prev) {
      unlink(node);
      linkLast(node);
    }
  }

  @Override
  public void recordRemove(K key) {
    Node<K> node = nodes.remove(key);
    if (node != null) {
      unlink(node);
    }
  }

  @Override
  public K evict() {
    Node<K> victim = head.next;
    Invariants.check(victim != head, "LRU: evict on an empty policy");
    unlink(victim);
    nodes.remove(victim.key);
    return victim.key;
  }

  @Override
  public boolean contains(K key) {
    return nodes.containsKey(key);
  }

  @Override
  public int size() {
    return nodes.size();
  }

  @Override
  public String name() {
    return "lru";
  }

  private void linkLast(Node<K> node) {
    Node<K> last = head.prev;
    node.prev = last;
    node.next = head;
    last.next = node;
    head.prev = node;
  }

  private static <K> void unlink(Node<K> node) {
    node.prev.next = node.next;
    node.next.prev = node.prev;
    node.prev = null;
    node.next = null;
  }
}
