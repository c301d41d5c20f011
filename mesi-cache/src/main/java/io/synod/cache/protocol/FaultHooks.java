package io.synod.cache.protocol;

/**
 * Test-only broken rules, so the simulator can show that its checkers catch them. Never set in
 * production: only {@link ProtocolNode}'s test constructor takes one, {@link #NONE} elsewhere.
 *
 * @param skipOneInvalidation the directory forgets one sharer when it invalidates
 * @param ignoreLease a copy is served after its lease ran out (the broken lease check)
 */
public record FaultHooks(boolean skipOneInvalidation, boolean ignoreLease) {
  /** No broken rule. */
  public static final FaultHooks NONE = new FaultHooks(false, false);
}
