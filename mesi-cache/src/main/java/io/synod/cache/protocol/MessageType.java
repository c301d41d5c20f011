package io.synod.cache.protocol;

/**
 * The coherence messages: the Primer's directory protocol (ch. 8) with MESI's PutE,
 * write-through's WriteBack, and what a lossy network and restarting nodes need (leases renewed
 * by Renew, a home's Collect after it restarted). Every request is resent until answered and
 * carries its requester's transaction id, so the home recognizes a duplicate.
 */
public enum MessageType {
  /** Cache to home: read request ({@code stamp}: the sender's clock when it sent it). */
  GET_S(true),
  /** Cache to home: write request ({@code stamp} as for GetS). */
  GET_M(true),
  /** Cache to home: evicting a Shared line. */
  PUT_S(true),
  /** Cache to home: evicting a clean exclusive line. */
  PUT_E(true),
  /** Cache to home: evicting a Modified line, with its data. */
  PUT_M(true),
  /** Home to cache: the Put was processed ({@code flag}: stale, the line was no longer held). */
  PUT_ACK(false),
  /**
   * Home to holder: give the copy granted by transaction {@code txn} up, with its data when
   * dirty ({@code homeTxn} names the home's transaction; {@code flag}: keep a Shared copy,
   * for a read elsewhere).
   */
  INV(false),
  /** Holder to home: the copy is gone ({@code flag}: dirty, {@code value} carries the data). */
  INV_ACK(true),
  /**
   * Home to requester: the data and the grant ({@code flag}: exclusive, i.e. E on a read, M on
   * a write; {@code stamp}: the request's stamp, where the lease starts).
   */
  DATA(false),
  /** Home to requester: the request is refused and nothing changed (main memory failed). */
  NACK(false),
  /** Write-through writer to home: store this value in memory, then acknowledge. */
  WRITE_BACK(true),
  /** Home to writer: the write-through reached memory. */
  WRITE_BACK_ACK(false),
  /** Holder to home: extend the lease of the copy granted by {@code txn} ({@code stamp}). */
  RENEW(true),
  /** Home to holder: {@code flag} true, the lease runs from {@code stamp}; false, drop it. */
  RENEW_ACK(false),
  /** A home that has not served a key since it started, to every member: what do you hold? */
  COLLECT(false),
  /**
   * Member to home: my copy is gone ({@code flag}: dirty, with {@code value}; {@code txn}: the
   * Put or WriteBack that carried the same data, or 0; {@code stamp} 1: dirty data was dropped,
   * because this member was declared down while holding it).
   */
  COLLECT_ACK(true);

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
