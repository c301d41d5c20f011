package io.synod.cache;

import io.synod.cache.store.PolicyKind;

/**
 * Immutable configuration of a cache node. Build with {@link #builder()}; {@link #create()} gives
 * the defaults.
 */
public final class CacheConfig {
  /** Default capacity in lines. */
  public static final int DEFAULT_CAPACITY = 1024;
  /** Default bound of queued operations per key. */
  public static final int DEFAULT_MAX_PENDING_OPS_PER_KEY = 1024;

  private final int capacity;
  private final PolicyKind policy;
  private final WritePolicy writePolicy;
  private final int maxPendingOpsPerKey;
  private final long firstTxn;
  private final long incarnation;
  private final long leaseNanos;
  private final long clockDriftNanos;
  private final long retryNanos;
  private final java.util.SortedSet<String> members;

  /** Default lease of a line: a copy is served without asking anyone for at most this long. */
  public static final long DEFAULT_LEASE_NANOS = 2_000_000_000L;
  /** Default bound on how far two nodes' clocks may drift apart over one lease. */
  public static final long DEFAULT_CLOCK_DRIFT_NANOS = 200_000_000L;
  /** Default interval between two sends of an unanswered coherence message. */
  public static final long DEFAULT_RETRY_NANOS = 200_000_000L;

  private CacheConfig(Builder b) {
    Invariants.require(b.capacity >= 1, "capacity must be >= 1, got " + b.capacity);
    Invariants.require(b.maxPendingOpsPerKey >= 1, "maxPendingOpsPerKey must be >= 1");
    this.capacity = b.capacity;
    this.policy = b.policy;
    this.writePolicy = b.writePolicy;
    this.maxPendingOpsPerKey = b.maxPendingOpsPerKey;
    Invariants.require(b.leaseNanos > 0, "leaseNanos must be > 0");
    Invariants.require(b.clockDriftNanos >= 0, "clockDriftNanos must be >= 0");
    Invariants.require(b.retryNanos > 0, "retryNanos must be > 0");
    Invariants.require(b.incarnation >= 0, "incarnation must be >= 0");
    this.firstTxn = b.firstTxn;
    this.incarnation = b.incarnation;
    this.leaseNanos = b.leaseNanos;
    this.clockDriftNanos = b.clockDriftNanos;
    this.retryNanos = b.retryNanos;
    this.members = java.util.Collections.unmodifiableSortedSet(new java.util.TreeSet<>(b.members));
  }

  /**
   * Returns the default configuration (1024 lines, LRU, write-back).
   *
   * @return the defaults
   */
  public static CacheConfig create() {
    return builder().build();
  }

  /**
   * Starts a builder with the defaults.
   *
   * @return a builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns a builder pre-filled with this configuration.
   *
   * @return a builder
   */
  public Builder mutate() {
    Builder b = new Builder();
    b.capacity = capacity;
    b.policy = policy;
    b.writePolicy = writePolicy;
    b.maxPendingOpsPerKey = maxPendingOpsPerKey;
    b.firstTxn = firstTxn;
    b.incarnation = incarnation;
    b.leaseNanos = leaseNanos;
    b.clockDriftNanos = clockDriftNanos;
    b.retryNanos = retryNanos;
    b.members = new java.util.TreeSet<>(members);
    return b;
  }

  /**
   * Returns the capacity in lines (entries).
   *
   * @return the capacity
   */
  public int capacity() {
    return capacity;
  }

  /**
   * Returns the replacement policy.
   *
   * @return the policy
   */
  public PolicyKind policy() {
    return policy;
  }

  /**
   * Returns the write policy.
   *
   * @return the write policy
   */
  public WritePolicy writePolicy() {
    return writePolicy;
  }

  /**
   * Returns the bound of operations queued on one key.
   *
   * @return the bound
   */
  public int maxPendingOpsPerKey() {
    return maxPendingOpsPerKey;
  }

  /**
   * Returns the first transaction id this node uses (distinct per incarnation of a node).
   *
   * @return the first transaction id
   */
  public long firstTxn() {
    return firstTxn;
  }

  /**
   * Returns this node's incarnation: it must grow every time the node starts again with empty
   * state, and every message the node sends carries it, so peers can tell its old messages.
   *
   * @return the incarnation
   */
  public long incarnation() {
    return incarnation;
  }

  /**
   * Returns how long a line's lease runs, measured by the holder from the moment it sent the
   * request (or renewal) the home answered: a copy is served locally only while it runs. The
   * same on every node of a cluster.
   *
   * @return the lease in the {@code Clock}'s nanoseconds
   */
  public long leaseNanos() {
    return leaseNanos;
  }

  /**
   * Returns the bound on clock drift over one lease: a home that cannot reach a holder waits
   * lease + drift after the last grant or renewal before it treats the copy as gone.
   *
   * @return the drift bound in nanoseconds
   */
  public long clockDriftNanos() {
    return clockDriftNanos;
  }

  /**
   * Returns how long an unanswered coherence message waits before it is sent again (with the
   * same request id, so a duplicate changes nothing).
   *
   * @return the interval in nanoseconds
   */
  public long retryNanos() {
    return retryNanos;
  }

  /**
   * Returns every node of the cluster, this one included: a home that restarted (or took over
   * a key) asks all of them what they hold before it serves a key.
   *
   * @return the members, sorted; empty means this node alone
   */
  public java.util.SortedSet<String> members() {
    return members;
  }

  /** Builds a {@link CacheConfig}. */
  public static final class Builder {
    private int capacity = DEFAULT_CAPACITY;
    private PolicyKind policy = PolicyKind.LRU;
    private WritePolicy writePolicy = WritePolicy.WRITE_BACK;
    private int maxPendingOpsPerKey = DEFAULT_MAX_PENDING_OPS_PER_KEY;
    private long firstTxn = 1;
    private long incarnation;
    private long leaseNanos = DEFAULT_LEASE_NANOS;
    private long clockDriftNanos = DEFAULT_CLOCK_DRIFT_NANOS;
    private long retryNanos = DEFAULT_RETRY_NANOS;
    private java.util.TreeSet<String> members = new java.util.TreeSet<>();

    private Builder() {}

    /**
     * Sets the capacity in lines; must be at least 1.
     *
     * @param capacity the capacity
     * @return this builder
     */
    public Builder capacity(int capacity) {
      this.capacity = capacity;
      return this;
    }

    /**
     * Sets the replacement policy.
     *
     * @param policy the policy
     * @return this builder
     */
    public Builder policy(PolicyKind policy) {
      this.policy = java.util.Objects.requireNonNull(policy, "policy");
      return this;
    }

    /**
     * Sets the write policy.
     *
     * @param writePolicy the write policy
     * @return this builder
     */
    public Builder writePolicy(WritePolicy writePolicy) {
      this.writePolicy = java.util.Objects.requireNonNull(writePolicy, "writePolicy");
      return this;
    }

    /**
     * Sets the bound of operations queued per key; must be at least 1.
     *
     * @param max the bound
     * @return this builder
     */
    public Builder maxPendingOpsPerKey(int max) {
      this.maxPendingOpsPerKey = max;
      return this;
    }

    /**
     * Sets the first transaction id; a restarted node must use ids its previous incarnation did
     * not use.
     *
     * @param firstTxn the first id
     * @return this builder
     */
    public Builder firstTxn(long firstTxn) {
      this.firstTxn = firstTxn;
      return this;
    }

    /**
     * Sets this node's incarnation; a restarted node must use a larger one than before (the
     * runtime uses its start time).
     *
     * @param incarnation the incarnation, at least 0
     * @return this builder
     */
    public Builder incarnation(long incarnation) {
      this.incarnation = incarnation;
      return this;
    }

    /**
     * Sets the lease of a line; must be positive, the same on every node, and longer than a
     * round trip or every access becomes a renewal.
     *
     * @param nanos the lease
     * @return this builder
     */
    public Builder leaseNanos(long nanos) {
      this.leaseNanos = nanos;
      return this;
    }

    /**
     * Sets the bound on clock drift over one lease; must be at least 0.
     *
     * @param nanos the bound
     * @return this builder
     */
    public Builder clockDriftNanos(long nanos) {
      this.clockDriftNanos = nanos;
      return this;
    }

    /**
     * Sets the resend interval of unanswered coherence messages; must be positive.
     *
     * @param nanos the interval
     * @return this builder
     */
    public Builder retryNanos(long nanos) {
      this.retryNanos = nanos;
      return this;
    }

    /**
     * Sets the cluster's members (this node included).
     *
     * @param members the node ids
     * @return this builder
     */
    public Builder members(java.util.Collection<String> members) {
      this.members = new java.util.TreeSet<>(members);
      return this;
    }

    /**
     * Builds the configuration.
     *
     * @return the configuration
     * @throws IllegalArgumentException when a value is out of range
     */
    public CacheConfig build() {
      return new CacheConfig(this);
    }
  }
}
