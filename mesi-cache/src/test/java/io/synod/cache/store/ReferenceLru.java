package io.synod.cache.store;

import java.util.ArrayList;
import java.util.List;

/**
 * An obviously correct LRU for tests: a list ordered from least to most recent, searched
 * linearly. Slow on purpose; nothing clever to get wrong.
 */
final class ReferenceLru {
  private final int capacity;
  private final List<String> order = new ArrayList<>();

  ReferenceLru(int capacity) {
    this.capacity = capacity;
  }

  /** Returns true on a hit; on a miss admits the key, dropping the least recent when full. */
  boolean access(String key) {
    int at = order.indexOf(key);
    if (at >= 0) {
      order.remove(at);
      order.add(key);
      return true;
    }
    order.add(key);
    if (order.size() > capacity) {
      order.remove(0);
    }
    return false;
  }

  void remove(String key) {
    order.remove(key);
  }

  List<String> residents() {
    return List.copyOf(order);
  }
}
