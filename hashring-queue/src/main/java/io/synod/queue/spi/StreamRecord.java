package io.synod.queue.spi;

import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What is appended: an opaque payload and string headers (a Redis adapter stores the payload in
 * one field and each header in a field of its own). Immutable: the payload is copied in and the
 * accessor returns the stored array, which callers must not modify.
 *
 * @param payload the bytes, must not be null
 * @param headers header names to values, sorted; names must not be empty
 */
public record StreamRecord(byte[] payload, SortedMap<String, String> headers) {
  /** Copies and checks. */
  public StreamRecord {
    Objects.requireNonNull(payload, "payload");
    payload = payload.clone();
    if (headers == null || headers.isEmpty()) {
      // most messages carry none: one shared empty map, not a map and its view per record
      // (80 of a queued message's bytes, issue 24)
      headers = Collections.emptySortedMap();
    } else {
      TreeMap<String, String> h = new TreeMap<>();
      for (Map.Entry<String, String> e : headers.entrySet()) {
        if (e.getKey() == null || e.getKey().isEmpty() || e.getValue() == null) {
          throw new IllegalArgumentException("header names and values must not be empty/null");
        }
        h.put(e.getKey(), e.getValue());
      }
      headers = Collections.unmodifiableSortedMap(h);
    }
  }

  /**
   * A record with no headers.
   *
   * @param payload the bytes
   * @return the record
   */
  public static StreamRecord of(byte[] payload) {
    return new StreamRecord(payload, null);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof StreamRecord r && Arrays.equals(payload, r.payload)
        && headers.equals(r.headers);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(payload) * 31 + headers.hashCode();
  }

  @Override
  public String toString() {
    return "StreamRecord{" + payload.length + " bytes, headers=" + headers + "}";
  }
}
