package io.synod.cache.protocol;

/**
 * A directory entry's state at the home (Primer table 8.2, with MESI's owner covering E and M:
 * the home cannot tell them apart because E upgrades to M silently).
 */
public enum DirectoryState {
  /** No cache holds the key; memory is up to date. */
  I,
  /** One or more caches hold a clean read-only copy; memory is up to date. */
  S,
  /** One cache owns the key in E or M; memory may be stale. */
  EM,
  /** Waiting for main memory before answering the requester. */
  BUSY_MEMORY,
  /** Sent Fwd-GetS to the owner, waiting for its Data (Primer's S_D). */
  S_D,
  /** Sent Inv to the sharers, waiting for their Inv-Acks before granting M. */
  SM_A
}
