package io.synod.server.chaos;

import java.util.List;

/**
 * The verdict on one property of one run.
 *
 * @param name what was checked, e.g. "lock/v1-lease: no overlapping exclusive holds"
 * @param counts what the verdict rests on, e.g. "412 holds, 1033 attempts"
 * @param violations every breach found; the property passed when there is none
 */
record Property(String name, String counts, List<Violation> violations) {
  boolean passed() {
    return violations.isEmpty();
  }
}
