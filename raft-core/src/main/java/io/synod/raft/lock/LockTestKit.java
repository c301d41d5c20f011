package io.synod.raft.lock;

import java.util.Objects;

/**
 * Test kit, not part of the lock API: lock state machines with one rule broken on purpose, so
 * simulations and their tests can show that a checker catches the bug. Production code builds
 * {@link LockStateMachine} with its public constructors, which have no such switch.
 *
 * @since 1.0
 */
public final class LockTestKit {

  /** A rule to break. */
  public enum Mutant {
    /** Grants exclusive requests while shared holds exist (breaks mutual exclusion). */
    EXCLUSIVE_OVER_SHARED(Rule.EXCLUSIVE_OVER_SHARED),
    /** Gives grants the token of the previous grant (breaks fencing monotonicity). */
    REUSE_TOKEN(Rule.REUSE_TOKEN),
    /** Skips the deadlock check (lets cycles form). */
    NO_DEADLOCK_CHECK(Rule.NO_DEADLOCK_CHECK),
    /** Forgets to free a session's holds when it expires (leaves holds forever). */
    KEEP_HOLDS_ON_EXPIRY(Rule.KEEP_HOLDS_ON_EXPIRY);

    private final Rule rule;

    Mutant(Rule rule) {
      this.rule = rule;
    }
  }

  private LockTestKit() {}

  /**
   * A machine with {@code mutant} broken; never use outside tests and simulations.
   *
   * @param limits the bounds
   * @param listener the listener
   * @param mutant the rule to break, or {@code null} for a correct machine
   * @return the machine
   */
  public static LockStateMachine brokenMachine(LockLimits limits, LockListener listener,
      Mutant mutant) {
    return new LockStateMachine(Objects.requireNonNull(limits), Objects.requireNonNull(listener),
        mutant == null ? Rule.CORRECT : mutant.rule);
  }
}
