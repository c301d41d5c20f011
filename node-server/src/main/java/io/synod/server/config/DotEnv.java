package io.synod.server.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a {@code .env} file: {@code KEY=value} lines, {@code #} comments, blank lines, an optional
 * {@code export } prefix, and values optionally wrapped in single or double quotes. An unquoted
 * value ends at a {@code " #"} comment.
 */
public final class DotEnv {
  private DotEnv() {}

  /**
   * Parses the file when it exists.
   *
   * @param file the file
   * @return its settings in file order; empty when the file does not exist
   * @throws ConfigException when a line is not {@code KEY=value}
   */
  public static Map<String, String> load(Path file) {
    if (!Files.isRegularFile(file)) {
      return Map.of();
    }
    try {
      return parse(Files.readAllLines(file, StandardCharsets.UTF_8), file.toString());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  /**
   * Parses lines of a {@code .env} file.
   *
   * @param lines the lines
   * @param name the file name for error messages
   * @return the settings in order
   * @throws ConfigException when a line is not {@code KEY=value}
   */
  public static Map<String, String> parse(List<String> lines, String name) {
    Map<String, String> out = new LinkedHashMap<>();
    int n = 0;
    for (String raw : lines) {
      n++;
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      if (line.startsWith("export ")) {
        line = line.substring(7).strip();
      }
      int eq = line.indexOf('=');
      if (eq <= 0) {
        throw new ConfigException(name + ":" + n, "expected KEY=value, got '" + line + "'");
      }
      String key = line.substring(0, eq).strip();
      String value = line.substring(eq + 1).strip();
      if (value.length() >= 2
          && (value.startsWith("\"") && value.endsWith("\"")
              || value.startsWith("'") && value.endsWith("'"))) {
        value = value.substring(1, value.length() - 1);
      } else {
        int hash = value.indexOf(" #");
        if (hash >= 0) {
          value = value.substring(0, hash).strip();
        }
      }
      out.put(key, value);
    }
    return out;
  }
}
