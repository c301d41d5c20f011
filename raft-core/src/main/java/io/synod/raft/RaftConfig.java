package io.synod.raft;

/**
 * Tunables of a {@link RaftNode}. Times are in ticks: the driver decides how long a tick is.
 * Build with {@link #builder()}; every value has a sensible default.
 *
 * @param electionTimeoutTicks minimum ticks without a leader before a follower campaigns; the
 *     actual timeout is drawn from {@code [electionTimeoutTicks, 2 * electionTimeoutTicks)}
 * @param heartbeatIntervalTicks ticks between a leader's heartbeats; must be smaller than the
 *     election timeout
 * @param maxEntriesPerAppend most entries in one AppendEntries request
 * @param maxBytesPerAppend most entry bytes in one AppendEntries request (one entry always fits)
 * @param maxInflightAppends most AppendEntries requests in flight to one follower (pipelining)
 * @param maxCommittedPerReady most committed entries handed out in one {@link Ready}
 * @param maxPendingReads most ReadIndex requests waiting on a leader
 * @param maxUncommittedEntries most entries a leader accepts beyond its commit index
 * @param preVote whether to run a pre-vote before each election (dissertation §9.6)
 * @param checkQuorum whether a leader steps down after an election timeout without hearing from
 *     a majority, and whether voters honour a leader lease (dissertation §6.2, §4.2.3)
 * @param snapshotChunkBytes size of the chunks of an InstallSnapshot transfer
 * @since 1.0
 */
public record RaftConfig(
    int electionTimeoutTicks,
    int heartbeatIntervalTicks,
    int maxEntriesPerAppend,
    long maxBytesPerAppend,
    int maxInflightAppends,
    int maxCommittedPerReady,
    int maxPendingReads,
    int maxUncommittedEntries,
    boolean preVote,
    boolean checkQuorum,
    int snapshotChunkBytes) {

  /** Checks the values. */
  public RaftConfig {
    if (heartbeatIntervalTicks < 1 || electionTimeoutTicks <= heartbeatIntervalTicks) {
      throw new IllegalArgumentException("need 1 <= heartbeatIntervalTicks < electionTimeoutTicks");
    }
    if (maxEntriesPerAppend < 1 || maxBytesPerAppend < 1 || maxInflightAppends < 1
        || maxCommittedPerReady < 1 || maxPendingReads < 1 || maxUncommittedEntries < 1
        || snapshotChunkBytes < 1) {
      throw new IllegalArgumentException("limits must be positive");
    }
  }

  /** The defaults. */
  public static RaftConfig defaults() {
    return builder().build();
  }

  /** A builder starting from the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from this configuration. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.electionTimeoutTicks = electionTimeoutTicks;
    b.heartbeatIntervalTicks = heartbeatIntervalTicks;
    b.maxEntriesPerAppend = maxEntriesPerAppend;
    b.maxBytesPerAppend = maxBytesPerAppend;
    b.maxInflightAppends = maxInflightAppends;
    b.maxCommittedPerReady = maxCommittedPerReady;
    b.maxPendingReads = maxPendingReads;
    b.maxUncommittedEntries = maxUncommittedEntries;
    b.preVote = preVote;
    b.checkQuorum = checkQuorum;
    b.snapshotChunkBytes = snapshotChunkBytes;
    return b;
  }

  /** Builds a {@link RaftConfig}. */
  public static final class Builder {
    private int electionTimeoutTicks = 10;
    private int heartbeatIntervalTicks = 1;
    private int maxEntriesPerAppend = 512;
    private long maxBytesPerAppend = 1 << 20;
    private int maxInflightAppends = 64;
    private int maxCommittedPerReady = 4096;
    private int maxPendingReads = 4096;
    private int maxUncommittedEntries = 1 << 17;
    private boolean preVote = true;
    private boolean checkQuorum = true;
    private int snapshotChunkBytes = 1 << 20;

    private Builder() {}

    /** See {@link RaftConfig#electionTimeoutTicks()}. Default 10. */
    public Builder electionTimeoutTicks(int v) {
      electionTimeoutTicks = v;
      return this;
    }

    /** See {@link RaftConfig#heartbeatIntervalTicks()}. Default 1. */
    public Builder heartbeatIntervalTicks(int v) {
      heartbeatIntervalTicks = v;
      return this;
    }

    /** See {@link RaftConfig#maxEntriesPerAppend()}. Default 512. */
    public Builder maxEntriesPerAppend(int v) {
      maxEntriesPerAppend = v;
      return this;
    }

    /** See {@link RaftConfig#maxBytesPerAppend()}. Default 1 MiB. */
    public Builder maxBytesPerAppend(long v) {
      maxBytesPerAppend = v;
      return this;
    }

    /** See {@link RaftConfig#maxInflightAppends()}. Default 64. */
    public Builder maxInflightAppends(int v) {
      maxInflightAppends = v;
      return this;
    }

    /** See {@link RaftConfig#maxCommittedPerReady()}. Default 4096. */
    public Builder maxCommittedPerReady(int v) {
      maxCommittedPerReady = v;
      return this;
    }

    /** See {@link RaftConfig#maxPendingReads()}. Default 4096. */
    public Builder maxPendingReads(int v) {
      maxPendingReads = v;
      return this;
    }

    /** See {@link RaftConfig#maxUncommittedEntries()}. Default 131072. */
    public Builder maxUncommittedEntries(int v) {
      maxUncommittedEntries = v;
      return this;
    }

    /** See {@link RaftConfig#preVote()}. Default on. */
    public Builder preVote(boolean v) {
      preVote = v;
      return this;
    }

    /** See {@link RaftConfig#checkQuorum()}. Default on. */
    public Builder checkQuorum(boolean v) {
      checkQuorum = v;
      return this;
    }

    /** See {@link RaftConfig#snapshotChunkBytes()}. Default 1 MiB. */
    public Builder snapshotChunkBytes(int v) {
      snapshotChunkBytes = v;
      return this;
    }

    /** The configuration. */
    public RaftConfig build() {
      return new RaftConfig(electionTimeoutTicks, heartbeatIntervalTicks, maxEntriesPerAppend,
          maxBytesPerAppend, maxInflightAppends, maxCommittedPerReady, maxPendingReads,
          maxUncommittedEntries, preVote, checkQuorum, snapshotChunkBytes);
    }
  }
}
