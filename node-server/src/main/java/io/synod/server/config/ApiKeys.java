package io.synod.server.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The API keys clients may present, each with an access level: {@code API_KEYS} (comma-separated
 * {@code level:key} entries) and/or {@code API_KEYS_FILE} (one {@code level:key} per line, blank
 * lines and {@code #} comments ignored). Levels: {@code read} (GET), {@code write} (every other
 * public request) and {@code admin} (also membership changes).
 *
 * <p>Keys are kept only as SHA-256 digests and looked up by digest, so a lookup's time does not
 * depend on how much of a guessed key matches. Immutable.
 */
public final class ApiKeys {
  /** Access levels, each including the ones before it. */
  public enum Level {
    /** Reads: GET requests. */
    READ,
    /** Reads and every request that changes locks, topics or cache lines. */
    WRITE,
    /** Everything, including membership changes. */
    ADMIN;

    static Level parse(String s) {
      return switch (s.strip().toLowerCase(Locale.ROOT)) {
        case "read", "read-only", "readonly", "ro" -> READ;
        case "write", "read-write", "readwrite", "rw" -> WRITE;
        case "admin" -> ADMIN;
        default -> null;
      };
    }
  }

  /** The smallest key accepted, in characters. */
  public static final int MIN_KEY_LENGTH = 16;

  private static final ApiKeys NONE = new ApiKeys(Map.of());
  private final Map<String, Level> byDigest;

  private ApiKeys(Map<String, Level> byDigest) {
    this.byDigest = byDigest;
  }

  /** @return no keys: client requests are not authenticated */
  public static ApiKeys none() {
    return NONE;
  }

  /**
   * Parses the settings.
   *
   * @param inline the {@code API_KEYS} value, or null
   * @param file the {@code API_KEYS_FILE} path, or null
   * @return the keys
   * @throws ConfigException on a malformed entry, an unknown level, a short key or an unreadable
   *     file
   */
  public static ApiKeys load(String inline, String file) {
    Map<String, Level> out = new LinkedHashMap<>();
    if (inline != null && !inline.isBlank()) {
      for (String entry : inline.split(",")) {
        if (!entry.isBlank()) {
          add(out, "API_KEYS", entry.strip());
        }
      }
    }
    if (file != null && !file.isBlank()) {
      List<String> lines;
      try {
        lines = Files.readAllLines(Path.of(file.strip()), StandardCharsets.UTF_8);
      } catch (IOException | RuntimeException e) {
        throw new ConfigException("API_KEYS_FILE", "cannot read '" + file + "': " + e);
      }
      for (String line : lines) {
        String l = line.strip();
        if (!l.isEmpty() && !l.startsWith("#")) {
          add(out, "API_KEYS_FILE", l);
        }
      }
    }
    return out.isEmpty() ? NONE : new ApiKeys(Collections.unmodifiableMap(out));
  }

  private static void add(Map<String, Level> out, String setting, String entry) {
    int colon = entry.indexOf(':');
    Level level = colon <= 0 ? null : Level.parse(entry.substring(0, colon));
    if (level == null) {
      throw new ConfigException(setting, "entries must be read:KEY, write:KEY or admin:KEY");
    }
    String key = entry.substring(colon + 1).strip();
    if (key.length() < MIN_KEY_LENGTH) {
      throw new ConfigException(setting, "keys must have at least " + MIN_KEY_LENGTH
          + " characters");
    }
    out.put(digest(key), level);
  }

  /** @return true when no key is configured */
  public boolean isEmpty() {
    return byDigest.isEmpty();
  }

  /** @return how many keys are configured */
  public int size() {
    return byDigest.size();
  }

  /**
   * Looks a presented key up.
   *
   * @param key the key as presented
   * @return its level, or null when it is not a configured key
   */
  public Level levelOf(String key) {
    return key == null ? null : byDigest.get(digest(key));
  }

  private static String digest(String key) {
    try {
      return HexFormat.of().formatHex(
          MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }
}
