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
  /** GetS sent, invalidated before its Data arrived: the Data serves one read, then I. */
  IS_D_I,
  /** GetM sent from I, waiting for Data. */
  IM_D,
  /** GetM sent from S, waiting for Data (an Inv meanwhile moves it to IM_D). */
  SM_D,
  /** Write-through: the written value was sent to the home, waiting for its acknowledgement. */
  M_WB,
  /** PutM/PutE sent from M or E, waiting for Put-Ack. */
  MI_A,
  /** PutS sent (or downgraded while evicting), waiting for Put-Ack. */
  SI_A,
  /** Lost the line while evicting, waiting for Put-Ack. */
  II_A,
  /** The home answered a stale Put: a Fwd-GetM is on its way, keep the data for it. */
  MI_F;

  /**
   * Whether a local read may be served from this state.
   *
   * @return true for M, E, S, M_WB (and SM_D, which still holds its S copy)
   */
  public boolean readable() {
    return this == M || this == E || this == S || this == M_WB || this == SM_D;
  }

  /**
   * Whether this node may write in this state without asking anyone.
   *
   * @return true for M, E and M_WB
   */
  public boolean writable() {
    return this == M || this == E || this == M_WB;
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
