package io.synod.server.config;

import java.util.Locale;

/** A service a node runs. Every node runs all three by default. */
public enum Role {
  /** The lock manager (Raft). */
  LOCK,
  /** The hash-ring queue. */
  QUEUE,
  /** The MESI cache. */
  CACHE;

  /**
   * Returns the lower-case name used in {@code ROLES}.
   *
   * @return the name, for example {@code lock}
   */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }
}
