package io.synod.server.config;

/**
 * A configuration value was missing or invalid. Its message is one line that names the setting
 * (its environment-variable name) and says what was wrong, so the node can print it and stop.
 */
public final class ConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String key;

  /**
   * Creates the exception.
   *
   * @param key the setting's environment-variable name, for example {@code HTTP_PORT}
   * @param problem what is wrong with it
   */
  public ConfigException(String key, String problem) {
    super("invalid configuration: " + key + ": " + problem);
    this.key = key;
  }

  /**
   * Returns the setting that was wrong.
   *
   * @return the environment-variable name of the setting
   */
  public String key() {
    return key;
  }
}
