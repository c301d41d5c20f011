package io.synod.cache.store;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Replays an access trace through a {@link LocalStore}, the way Caffeine's simulator drives a
 * policy: a hit records an access, a miss is always admitted (evicting as needed). Hit ratio =
 * hits / all accesses, cold misses included.
 */
public final class TraceReplay {
  private TraceReplay() {}

  /**
   * The result of a replay.
   *
   * @param policy the policy name
   * @param capacity the capacity in entries
   * @param accesses all accesses
   * @param hits the hits
   */
  public record Result(String policy, int capacity, long accesses, long hits) {
    /**
     * Returns hits / accesses, or 0 for an empty trace.
     *
     * @return the ratio in [0, 1]
     */
    public double hitRatio() {
      return accesses == 0 ? 0.0 : (double) hits / accesses;
    }

    /**
     * Formats the ratio as the CLI prints it, {@code hit ratio: XX.XX%}.
     *
     * @return the line
     */
    public String formatted() {
      return String.format(java.util.Locale.ROOT, "hit ratio: %.2f%%", 100.0 * hitRatio());
    }
  }

  /**
   * Replays {@code keys} in order.
   *
   * @param keys the accesses
   * @param kind the policy
   * @param capacity the capacity in entries
   * @return the result
   */
  public static Result replay(Iterable<String> keys, PolicyKind kind, int capacity) {
    ReplacementPolicy<String> policy = kind.create(capacity);
    LocalStore<String, Boolean> store = new LocalStore<>(capacity, policy);
    long accesses = 0;
    long hits = 0;
    for (String key : keys) {
      accesses++;
      if (store.get(key) != null) {
        hits++;
      } else {
        store.put(key, Boolean.TRUE, null);
      }
    }
    return new Result(policy.name(), capacity, accesses, hits);
  }

  /**
   * Reads a trace file: one key per line, blank lines skipped, surrounding spaces trimmed.
   *
   * @param file the file
   * @return the keys in order
   * @throws IOException when the file cannot be read
   */
  public static List<String> readTrace(Path file) throws IOException {
    List<String> keys = new ArrayList<>();
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      while ((line = r.readLine()) != null) {
        String k = line.trim();
        if (!k.isEmpty()) {
          keys.add(k);
        }
      }
    }
    return keys;
  }
}
