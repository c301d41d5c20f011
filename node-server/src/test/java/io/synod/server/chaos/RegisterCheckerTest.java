package io.synod.server.chaos;

import static io.synod.server.chaos.ChaosHttp.Outcome.OK;
import static io.synod.server.chaos.ChaosHttp.Outcome.UNKNOWN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.synod.server.chaos.RegisterChecker.Read;
import io.synod.server.chaos.RegisterChecker.Write;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The register checker on hand-made single-writer histories. */
class RegisterCheckerTest {

  @Test
  void readsOfTheLatestOrAConcurrentWritePass() {
    List<Write> w = List.of(new Write("k", 1, 0, 10, OK), new Write("k", 2, 20, 30, OK));
    List<Read> r = List.of(
        new Read("k", "n1", 11, 15, 1),
        new Read("k", "n2", 21, 25, 1), // the write of 2 had not answered yet
        new Read("k", "n3", 22, 26, 2),
        new Read("k", "n1", 31, 35, 2));
    assertEquals(List.of(), RegisterChecker.check(w, r));
  }

  @Test
  void aReadOfAnOverwrittenValueIsStale() {
    List<Write> w = List.of(new Write("k", 1, 0, 10, OK), new Write("k", 2, 20, 30, OK));
    List<Violation> v = RegisterChecker.check(w, List.of(new Read("k", "n2", 40, 45, 1)));
    assertEquals(1, v.size());
    assertTrue(v.get(0).what().contains("stale"), v.get(0).what());
  }

  @Test
  void aReadAfterAnotherReadSawANewerValueIsStale() {
    // 2 had not answered, but n1 saw it; n2 reading 1 afterwards goes back in time
    List<Write> w = List.of(new Write("k", 1, 0, 10, OK), new Write("k", 2, 20, 100, OK));
    List<Read> r = List.of(new Read("k", "n1", 30, 35, 2), new Read("k", "n2", 40, 45, 1));
    assertEquals(1, RegisterChecker.check(w, r).size());
  }

  @Test
  void anUnknownWriteMayLandAnyTimeAfterItWasSent() {
    // 1 timed out; it may take effect after 2 did, so reading 1 late is allowed
    List<Write> w = List.of(new Write("k", 1, 0, 10, UNKNOWN), new Write("k", 2, 20, 30, OK));
    assertEquals(List.of(), RegisterChecker.check(w, List.of(new Read("k", "n1", 40, 45, 1))));
  }

  @Test
  void aValueNeverWrittenOrWrittenOnlyLaterIsAViolation() {
    List<Write> w = List.of(new Write("k", 1, 50, 60, OK));
    assertEquals(1, RegisterChecker.check(w, List.of(new Read("k", "n1", 0, 10, 1))).size());
    assertEquals(1, RegisterChecker.check(w, List.of(new Read("k", "n1", 70, 80, 7))).size());
  }

  @Test
  void readingNothingAfterAWriteAnsweredIsStale() {
    List<Write> w = List.of(new Write("k", 1, 0, 10, OK));
    assertEquals(1, RegisterChecker.check(w, List.of(new Read("k", "n1", 20, 30, 0))).size());
    assertEquals(List.of(), RegisterChecker.check(w, List.of(new Read("k", "n1", 5, 30, 0))));
  }
}
