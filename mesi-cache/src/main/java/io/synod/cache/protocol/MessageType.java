package io.synod.cache.protocol;

/** The coherence messages (Primer, ch. 8, with MESI's PutE and write-through's WriteBack). */
public enum MessageType {
  /** Cache to home: read request. */
  GET_S(true),
  /** Cache to home: write request. */
  GET_M(true),
  /** Cache to home: evicting a Shared line. */
  PUT_S(true),
  /** Cache to home: evicting a clean exclusive line. */
  PUT_E(true),
  /** Cache to home: evicting a Modified line, with its data. */
  PUT_M(true),
  /** Home to cache: the Put was processed ({@code flag}: stale, a Fwd-GetM is on its way). */
  PUT_ACK(false),
  /** Home to sharer: invalidate. */
  INV(false),
  /** Sharer to home: invalidated. */
  INV_ACK(true),
  /** Home to owner: send the data to the requester and to me, keep S. */
  FWD_GET_S(false),
  /** Home to owner: send the data to the requester and drop the line. */
  FWD_GET_M(false),
  /** To the requester: the data ({@code flag}: exclusive, i.e. E on a read, M on a write). */
  DATA(false),
  /** Owner to home after Fwd-GetS: the data ({@code flag}: dirty, write it to memory). */
  DATA_HOME(true),
  /** Home to requester: main memory failed, the request is refused and nothing changed. */
  NACK(false),
  /**
   * Home to a former owner, after the node it was told to forward the line to crashed: send me
   * the data if you still hold it, and drop the line.
   */
  RECALL(false),
  /** Former owner to home: here is the data ({@code flag}: dirty), the line is dropped. */
  RECALL_DATA(true),
  /** Former owner to home: the data already left (to the crashed node). */
  RECALL_NONE(true),
  /**
   * Former owner to home: the forward is stalled here behind this node's own missing data (it
   * holds nothing yet); the real answer follows once the forward can be handled.
   */
  RECALL_WAIT(true),
  /**
   * Home to a reader whose forwarding owner crashed: did its Data reach you? (the reader's
   * transaction in {@code txn}).
   */
  PROBE(false),
  /** Reader to home: {@code flag} true with the data it received, false while still waiting. */
  PROBE_ACK(true),
  /** Write-through writer to home: store this value in memory, then acknowledge. */
  WRITE_BACK(true),
  /** Home to writer: the write-through reached memory. */
  WRITE_BACK_ACK(false);

  private final boolean toDirectory;

  MessageType(boolean toDirectory) {
    this.toDirectory = toDirectory;
  }

  /**
   * Whether the home's directory handles this message (else the cache controller does).
   *
   * @return true for directory-bound messages
   */
  public boolean toDirectory() {
    return toDirectory;
  }
}
