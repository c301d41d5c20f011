package io.synod.cache.protocol;

/**
 * Test-only broken rules, so the simulator can show that its checkers catch them and the runtime
 * tests can show what a broken invariant does. Never set in production: only {@link
 * ProtocolNode}'s test constructor takes one, {@link #NONE} elsewhere.
 *
 * @param skipOneInvalidation the directory forgets one sharer when it invalidates
 * @param ignoreLease a copy is served after its lease ran out (the broken lease check)
 * @param breakInvariantOnDataFor the cache side fails an invariant check when it handles Data
 *     of the first transaction on this key (and of every resend of it); null for never
 */
public record FaultHooks(boolean skipOneInvalidation, boolean ignoreLease,
    String breakInvariantOnDataFor) {
  /** No broken rule. */
  public static final FaultHooks NONE = new FaultHooks(false, false, null);

  /**
   * Hooks without an injected invariant failure.
   *
   * @param skipOneInvalidation the directory forgets one sharer when it invalidates
   * @param ignoreLease a copy is served after its lease ran out
   */
  public FaultHooks(boolean skipOneInvalidation, boolean ignoreLease) {
    this(skipOneInvalidation, ignoreLease, null);
  }
}
