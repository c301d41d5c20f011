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
  private final boolean faultSkipOneInvalidation;

  private CacheConfig(Builder b) {
    Invariants.require(b.capacity >= 1, "capacity must be >= 1, got " + b.capacity);
    Invariants.require(b.maxPendingOpsPerKey >= 1, "maxPendingOpsPerKey must be >= 1");
    this.capacity = b.capacity;
    this.policy = b.policy;
    this.writePolicy = b.writePolicy;
    this.maxPendingOpsPerKey = b.maxPendingOpsPerKey;
    this.firstTxn = b.firstTxn;
    this.faultSkipOneInvalidation = b.faultSkipOneInvalidation;
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
    b.faultSkipOneInvalidation = faultSkipOneInvalidation;
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
   * Test-only fault injection: the directory skips one invalidation. Only the simulator's
   * "broken rule" check sets it.
   *
   * @return true when the fault is injected
   */
  public boolean faultSkipOneInvalidation() {
    return faultSkipOneInvalidation;
  }

  /** Builds a {@link CacheConfig}. */
  public static final class Builder {
    private int capacity = DEFAULT_CAPACITY;
    private PolicyKind policy = PolicyKind.LRU;
    private WritePolicy writePolicy = WritePolicy.WRITE_BACK;
    private int maxPendingOpsPerKey = DEFAULT_MAX_PENDING_OPS_PER_KEY;
    private long firstTxn = 1;
    private boolean faultSkipOneInvalidation;

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
     * Test-only: makes the directory skip one invalidation so checkers can be shown to catch it.
     *
     * @param skip true to inject the fault
     * @return this builder
     */
    public Builder faultSkipOneInvalidation(boolean skip) {
      this.faultSkipOneInvalidation = skip;
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
