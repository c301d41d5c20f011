package io.synod.queue.ring;

import java.util.SortedSet;
import java.util.function.Consumer;

/**
 * The current ring of a {@link Membership}: rebuilt on every change, read lock-free. The ring's
 * epoch is the membership version it was built from.
 */
public final class RingView implements AutoCloseable {
  private final RingConfig config;
  private final AutoCloseable subscription;
  private final Consumer<HashRing> onChange;
  private volatile HashRing current;

  /**
   * Follows a membership.
   *
   * @param membership the source of members
   * @param config ring settings
   * @param onChange called with each new ring after it is in place (may be a no-op)
   */
  public RingView(Membership membership, RingConfig config, Consumer<HashRing> onChange) {
    this.config = config;
    this.onChange = onChange;
    synchronized (this) {
      this.current = HashRing.of(membership.members(), config.vnodesPerNode(),
          membership.version());
    }
    this.subscription = membership.subscribe(this::update);
  }

  private void update(SortedSet<String> members, long version) {
    HashRing next;
    synchronized (this) {
      if (version <= current.epoch()) {
        return;
      }
      next = HashRing.of(members, config.vnodesPerNode(), version);
      current = next;
    }
    onChange.accept(next);
  }

  /**
   * The ring now.
   *
   * @return an immutable snapshot
   */
  public HashRing current() {
    return current;
  }

  /**
   * The settings used.
   *
   * @return the config
   */
  public RingConfig config() {
    return config;
  }

  @Override
  public void close() throws Exception {
    subscription.close();
  }
}
