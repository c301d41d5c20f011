package io.synod.cache.protocol;

/**
 * A cache line's state at one node: the four MESI states and the transient states a network
 * needs (Primer, ch. 8, tables 8.1 and 8.3, with MESI's E from section 8.7.1). Transient names
 * read "from, to, waiting-for": {@code IS_D} goes from I to S waiting for Data.
 */
public enum LineState {
  /** Modified: the only copy, written since it was fetched. */
  M,
  /** Exclusive: the only copy, clean; a write upgrades it silently to M. */
  E,
  /** Shared: a clean read-only copy; other nodes may hold S too. */
  S,
  /** Invalid: no copy. */
  I,
  /** GetS sent, waiting for Data. */
  IS_D,
  /** GetM sent from I, waiting for Data. */
  IM_D,
  /** GetM sent from S, waiting for Data (an Inv meanwhile moves it to IM_D). */
  SM_D,
  /** Write-through: the written value was sent to the home, waiting for its acknowledgement. */
  M_WB,
  /** PutM/PutE sent from M or E, waiting for Put-Ack. */
  MI_A,
  /** PutS sent, waiting for Put-Ack. */
  SI_A;

  /**
   * Whether a local read may be served from this state while the line's lease runs.
   *
   * @return true for M, E and S
   */
  public boolean readable() {
    return this == M || this == E || this == S;
  }

  /**
   * Whether this node may write in this state without asking anyone while the lease runs.
   *
   * @return true for M and E
   */
  public boolean writable() {
    return this == M || this == E;
  }

  /**
   * Whether this is one of M, E, S, I.
   *
   * @return true for a stable state
   */
  public boolean stable() {
    return this == M || this == E || this == S || this == I;
  }
}
