package io.synod.raft.storage;

import io.synod.raft.Invariants;
import io.synod.raft.log.LogEntry;
import java.util.Arrays;

/**
 * The in-memory index of a file log: for every held index its term, where its record lives and,
 * for the newest entries within a byte budget, the entry itself. Contiguous from {@link #first()}
 * to {@link #last()}; removal happens only at the ends (compaction at the front, conflicting
 * suffix at the back), so it is a deque over three parallel arrays.
 */
final class IndexTable {

  private long[] terms = new long[64];
  private long[] locations = new long[64];
  private LogEntry[] cached = new LogEntry[64];
  private int head;
  private int size;
  /** The index held at array slot {@code head}. */
  private long base;
  /** Every cached entry has an index >= cacheFloor. */
  private long cacheFloor;
  private long cachedBytes;

  IndexTable(long firstIndex) {
    Invariants.check(firstIndex >= 1, "first index must be >= 1");
    base = firstIndex;
    cacheFloor = firstIndex;
  }

  long first() {
    return base;
  }

  long last() {
    return base + size - 1;
  }

  int size() {
    return size;
  }

  long cachedBytes() {
    return cachedBytes;
  }

  /** Appends the entry at {@code last() + 1}. */
  void add(long term, long location, LogEntry entry) {
    Invariants.check(entry == null || entry.index() == base + size, "index table not contiguous");
    if (head + size == terms.length) {
      makeRoom();
    }
    int slot = head + size;
    terms[slot] = term;
    locations[slot] = location;
    cached[slot] = entry;
    if (entry != null) {
      cachedBytes += entry.sizeBytes();
    }
    size++;
  }

  private void makeRoom() {
    if (head > terms.length / 2) {
      System.arraycopy(terms, head, terms, 0, size);
      System.arraycopy(locations, head, locations, 0, size);
      System.arraycopy(cached, head, cached, 0, size);
      Arrays.fill(cached, size, head + size, null);
      head = 0;
    } else {
      int cap = terms.length * 2;
      terms = Arrays.copyOf(terms, cap);
      locations = Arrays.copyOf(locations, cap);
      cached = Arrays.copyOf(cached, cap);
    }
  }

  private int slot(long index) {
    if (index < base || index > last()) {
      throw new IndexOutOfBoundsException("index " + index + " outside [" + base + ", " + last()
          + "]");
    }
    return head + (int) (index - base);
  }

  long term(long index) {
    return terms[slot(index)];
  }

  long location(long index) {
    return locations[slot(index)];
  }

  /** The cached entry at {@code index}, or null when it was evicted. */
  LogEntry cached(long index) {
    return cached[slot(index)];
  }

  /** Removes everything and makes {@code firstIndex} the next index to add. */
  void resetTo(long firstIndex) {
    Invariants.check(firstIndex >= 1, "first index must be >= 1");
    Arrays.fill(cached, head, head + size, null);
    head = 0;
    size = 0;
    base = firstIndex;
    cacheFloor = firstIndex;
    cachedBytes = 0;
  }

  /** Removes every index >= {@code index}. */
  void truncateFrom(long index) {
    if (index > last()) {
      return;
    }
    Invariants.check(index >= base, "truncation below the first index");
    int keep = (int) (index - base);
    for (int i = head + keep; i < head + size; i++) {
      if (cached[i] != null) {
        cachedBytes -= cached[i].sizeBytes();
        cached[i] = null;
      }
    }
    size = keep;
    cacheFloor = Math.min(cacheFloor, base + size);
  }

  /** Removes every index <= {@code index}; when that is all of them the next index is +1. */
  void dropThrough(long index) {
    if (index < base) {
      return;
    }
    int drop = (int) Math.min(size, index - base + 1);
    for (int i = head; i < head + drop; i++) {
      if (cached[i] != null) {
        cachedBytes -= cached[i].sizeBytes();
        cached[i] = null;
      }
    }
    head += drop;
    size -= drop;
    if (size == 0) {
      head = 0;
      base = index + 1;
    } else {
      base += drop;
    }
    cacheFloor = Math.max(cacheFloor, base);
  }

  /** Drops cached payloads, oldest first, until at most {@code budget} bytes stay cached. */
  void evictTo(long budget) {
    while (cachedBytes > budget && cacheFloor <= last()) {
      int s = slot(cacheFloor);
      if (cached[s] != null) {
        cachedBytes -= cached[s].sizeBytes();
        cached[s] = null;
      }
      cacheFloor++;
    }
  }
}
