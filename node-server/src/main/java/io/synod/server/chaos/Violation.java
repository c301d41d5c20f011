package io.synod.server.chaos;

/**
 * One breach of a property found in a history.
 *
 * @param atNanos when it happened, on the run's clock (nanoseconds since the run started), so the
 *     report can show the faults around it
 * @param what a sentence naming the operations involved
 */
record Violation(long atNanos, String what) {}
