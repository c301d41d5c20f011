package io.synod.cache.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.synod.cache.CacheConfig;
import io.synod.cache.CacheException;
import io.synod.cache.CacheStats;
import io.synod.cache.CacheValue;
import io.synod.cache.WritePolicy;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The controller and directory rules, one scenario each, on a three-node {@link Cluster} whose
 * keys are all homed at n1 (Primer ch. 8, tables 8.1 and 8.2; E from 8.7.1).
 */
class ProtocolScenarioTest {
  private static final CacheConfig BACK = CacheConfig.create();
  private static final CacheConfig THROUGH =
      CacheConfig.builder().writePolicy(WritePolicy.WRITE_THROUGH).build();

  @Test
  void aReadMissGivesExclusiveInTwoMessages() {
    Cluster c = Cluster.of(BACK);
    c.memory.put("k", CacheValue.of("v0"));
    int mark = c.mark();
    OpResult r = c.read("n2", "k");
    assertFalse(r.hit());
    assertEquals(LineState.E, r.state());
    assertEquals("v0", r.value().asString());
    assertEquals(List.of("GET_S n2->n1", "DATA n1->n2"), c.since(mark));
    assertEquals(DirectoryState.EM, c.node("n1").directoryState("k"));
    assertEquals("n2", c.node("n1").directoryOwner("k"));
  }

  @Test
  void aReadOfAKeyNeverWrittenGivesNull() {
    Cluster c = Cluster.of(BACK);
    assertNull(c.read("n2", "nothing").value());
  }

  @Test
  void aHitSendsNothing() {
    Cluster c = Cluster.of(BACK);
    c.read("n2", "k");
    int mark = c.mark();
    OpResult r = c.read("n2", "k");
    assertTrue(r.hit());
    assertEquals(List.of(), c.since(mark));
    CacheStats s = c.node("n2").stats();
    assertEquals(1, s.hits());
    assertEquals(1, s.misses());
    assertEquals(0.5, s.hitRatio());
  }

  @Test
  void aSecondReaderTakesTheLineThroughTheHomeAndBothShare() {
    Cluster c = Cluster.of(BACK);
    c.read("n2", "k");
    int mark = c.mark();
    OpResult r = c.read("n3", "k");
    assertEquals(LineState.S, r.state());
    assertEquals(LineState.S, c.state("n2", "k"));
    // all data passes through the home: the owner is downgraded (Inv asking to keep S), then
    // memory serves the reader
    assertEquals(List.of("GET_S n3->n1", "INV n1->n2", "INV_ACK n2->n1", "DATA n1->n3"),
        c.since(mark));
    assertEquals(DirectoryState.S, c.node("n1").directoryState("k"));
    assertEquals(new TreeSet<>(Set.of("n2", "n3")), c.node("n1").directorySharers("k"));
  }

  @Test
  void aWriteInvalidatesTheSharersAndTheWriterGetsModifiedWithTwoPlusTwoKMessages() {
    Cluster c = Cluster.of(BACK);
    c.read("n1", "k");
    c.read("n2", "k");
    c.read("n3", "k");
    int mark = c.mark();
    OpResult w = c.write("n2", "k", "v1");
    assertEquals(LineState.M, w.state());
    assertEquals(LineState.I, c.state("n1", "k"));
    assertEquals(LineState.I, c.state("n3", "k"));
    List<String> msgs = c.since(mark);
    // k = 2 other sharers: GetM, 2 Inv, 2 Inv-Ack, Data
    assertEquals(2 + 2 * 2, msgs.size(), msgs.toString());
    assertEquals(2, msgs.stream().filter(m -> m.startsWith("INV ")).count());
    // 2 for this write, 1 earlier: n2's read downgraded n1's exclusive copy
    assertEquals(3, c.node("n1").stats().invalidationsSent());
    assertEquals(1, c.node("n3").stats().invalidationsReceived());
    assertEquals(1, c.node("n2").stats().upgrades());
    assertEquals("v1", c.read("n3", "k").value().asString());
  }

  @Test
  void aWriteOfAKeyAnotherNodeOwnsCostsFourMessages() {
    Cluster c = Cluster.of(BACK);
    c.write("n2", "k", "v1");
    int mark = c.mark();
    c.write("n3", "k", "v2");
    assertEquals(List.of("GET_M n3->n1", "INV n1->n2", "INV_ACK n2->n1", "DATA n1->n3"),
        c.since(mark));
    assertEquals(LineState.I, c.state("n2", "k"));
    assertEquals(LineState.M, c.state("n3", "k"));
    assertEquals("n3", c.node("n1").directoryOwner("k"));
    assertEquals("v1", c.memory.get("k").asString(), "the old owner's data went home first");
  }

  @Test
  void anExclusiveLineUpgradesToModifiedSilently() {
    Cluster c = Cluster.of(BACK);
    assertEquals(LineState.E, c.read("n2", "k").state());
    int mark = c.mark();
    OpResult w = c.write("n2", "k", "v1");
    assertTrue(w.hit());
    assertEquals(LineState.M, w.state());
    assertEquals(List.of(), c.since(mark));
    assertEquals(1, c.node("n2").stats().upgrades());
    assertNull(c.memory.get("k"), "write-back: memory is not written yet");
  }

  @Test
  void evictingAModifiedLineWritesItBack() {
    Cluster c = Cluster.of(BACK.mutate().capacity(1).build());
    c.write("n2", "a", "va");
    c.read("n2", "b"); // capacity 1: a leaves with PutM
    c.settle();
    assertEquals(LineState.I, c.state("n2", "a"));
    assertEquals("va", c.memory.get("a").asString());
    assertEquals(DirectoryState.I, c.node("n1").directoryState("a"));
    CacheStats s = c.node("n2").stats();
    assertEquals(1, s.evictions());
    assertEquals(1, s.writeBacks());
    assertEquals(1, c.node("n2").residentLines());
  }

  @Test
  void evictingACleanLineWritesNothing() {
    Cluster c = Cluster.of(BACK.mutate().capacity(1).build());
    c.memory.put("a", CacheValue.of("va"));
    c.read("n2", "a");
    c.read("n2", "b");
    c.settle();
    assertEquals(List.of(), c.memoryWrites);
    assertEquals(0, c.node("n2").stats().writeBacks());
  }

  @Test
  void aDowngradeWritesTheModifiedDataBack() {
    Cluster c = Cluster.of(BACK);
    c.write("n2", "k", "v1");
    assertEquals("v1", c.read("n3", "k").value().asString());
    assertEquals("v1", c.memory.get("k").asString());
    assertEquals(LineState.S, c.state("n2", "k"));
  }

  @Test
  void writeThroughWritesMemoryBeforeTheWriteCompletes() {
    Cluster c = Cluster.of(THROUGH);
    long op = c.submit("n2", OpKind.WRITE, "k", "v1");
    while (!c.results.containsKey(op)) {
      assertNull(c.results.get(op));
      c.deliverNext();
    }
    assertEquals("v1", c.memory.get("k").asString());
    assertEquals(LineState.M, c.results.get(op).state());
    // a second write on the M line needs no coherence message but still goes to memory
    int mark = c.mark();
    c.write("n2", "k", "v2");
    assertEquals(List.of("WRITE_BACK n2->n1", "WRITE_BACK_ACK n1->n2"), c.since(mark));
    assertEquals("v2", c.memory.get("k").asString());
  }

  @Test
  void invalidateDropsTheLineAndWritesBackModifiedData() {
    Cluster c = Cluster.of(BACK);
    c.write("n2", "k", "v1");
    OpResult r = c.invalidate("n2", "k");
    assertEquals(LineState.I, r.state());
    assertEquals(LineState.I, c.state("n2", "k"));
    assertEquals("v1", c.memory.get("k").asString());
    assertEquals(DirectoryState.I, c.node("n1").directoryState("k"));
    assertTrue(c.invalidate("n2", "k").hit(), "invalidating an absent line is a no-op");
  }

  @Test
  void aSharerDeclaredDownIsGivenUpOnlyOnceItsLeaseIsOver() {
    Cluster c = Cluster.of(BACK);
    c.read("n2", "k");
    c.read("n3", "k");
    c.cut.add("n3"); // paused or cut off: it still holds its S copy
    c.node("n1").nodeDown("n3");
    c.node("n2").nodeDown("n3");
    long op = c.submit("n2", OpKind.WRITE, "k", "v1");
    c.settle();
    assertFalse(c.results.containsKey(op), "the home must wait: n3 may still serve its copy");
    c.advance(BACK.leaseNanos() / 2);
    assertFalse(c.results.containsKey(op));
    c.advance(BACK.leaseNanos() / 2 + BACK.clockDriftNanos() + BACK.retryNanos());
    assertEquals(LineState.M, c.results.get(op).state());
    assertFalse(c.node("n3").canRead("k"), "n3's own lease ran out before the home's count");
  }

  @Test
  void anUnansweredInvalidationIsResentUntilTheHolderAnswers() {
    Cluster c = Cluster.of(BACK);
    c.write("n2", "k", "v1");
    c.dropping.add(MessageType.INV); // the first Inv is lost
    long op = c.submit("n3", OpKind.READ, "k", null);
    c.settle();
    assertFalse(c.results.containsKey(op));
    c.dropping.clear();
    c.advance(BACK.retryNanos());
    assertEquals("v1", c.results.get(op).value().asString());
    assertEquals(LineState.S, c.state("n2", "k"));
  }

  @Test
  void aResentInvalidationGetsTheDataAgainNotAnEmptyAnswer() {
    // found by the simulator: the first Inv-Ack (with the data) was slower than the answer to
    // the resent Inv, and the home served memory's older value
    Cluster c = Cluster.of(BACK);
    c.memory.put("k", CacheValue.of("v0"));
    c.write("n2", "k", "v1");
    long op = c.submit("n3", OpKind.WRITE, "k", "v2");
    c.deliverFirst(MessageType.GET_M, "n1"); // the home sends Inv to n2
    c.deliverFirst(MessageType.INV, "n2"); // n2 answers with v1 and drops its line
    c.dropping.add(MessageType.INV_ACK); // ...but that answer is lost
    c.settle();
    c.dropping.clear();
    c.advance(BACK.retryNanos()); // the Inv is resent
    assertEquals(LineState.M, c.results.get(op).state());
    assertEquals("v1", c.memory.get("k").asString());
    assertEquals("v2", c.read("n1", "k").value().asString());
  }

  @Test
  void aLostDataIsAskedForAgainWithTheSameTransactionAndAnsweredTheSame() {
    Cluster c = Cluster.of(BACK);
    c.memory.put("k", CacheValue.of("v0"));
    c.dropping.add(MessageType.DATA);
    long op = c.submit("n2", OpKind.READ, "k", null);
    c.settle();
    c.dropping.clear();
    int mark = c.mark();
    c.advance(BACK.retryNanos());
    assertEquals("v0", c.results.get(op).value().asString());
    assertEquals(List.of("GET_S n2->n1", "DATA n1->n2"), c.since(mark),
        "the home recognized the duplicate: no second memory read, the same answer");
    assertEquals(1, c.node("n2").stats().misses());
  }

  @Test
  void aCopyIsServedOnlyWhileItsLeaseRunsThenRenewed() {
    Cluster c = Cluster.of(BACK);
    c.read("n2", "k");
    assertTrue(c.node("n2").canRead("k"));
    c.advance(BACK.leaseNanos());
    assertFalse(c.node("n2").canRead("k"), "the lease ran out: no local hit");
    int mark = c.mark();
    OpResult r = c.read("n2", "k");
    assertEquals(List.of("RENEW n2->n1", "RENEW_ACK n1->n2"), c.since(mark));
    assertTrue(r.hit());
    assertTrue(c.node("n2").canRead("k"));
  }

  @Test
  void aNodeBackFromAPauseFindsItsModifiedLineGoneAndReadsTheNewValue() {
    // issue 16, first break: the paused owner kept acknowledging writes as hits
    Cluster c = Cluster.of(BACK);
    c.write("n2", "k", "v1");
    c.cut.add("n2"); // paused past the failure timeout
    c.node("n1").nodeDown("n2");
    c.node("n3").nodeDown("n2");
    long other = c.submit("n3", OpKind.WRITE, "k", "v2");
    c.advance(BACK.leaseNanos() + BACK.clockDriftNanos() + BACK.retryNanos());
    assertEquals(LineState.M, c.results.get(other).state(), "given up after the lease");
    c.cut.remove("n2"); // resumes; it learns from the log that it was declared down
    c.node("n2").nodeDown("n2");
    c.node("n1").nodeUp("n2");
    c.node("n3").nodeUp("n2");
    assertFalse(c.node("n2").canWrite("k"), "its lease ran out during the pause");
    long write = c.submit("n2", OpKind.WRITE, "k", "v3");
    c.settle();
    assertFalse(c.results.get(write).hit(), "the renewal is refused: the line is gone");
    assertEquals(LineState.I, c.state("n3", "k"));
    assertEquals("v3", c.read("n1", "k").value().asString());
  }

  @Test
  void aRestartedHomeRebuildsTheEntryFromTheMembersBeforeServing() {
    Cluster c = Cluster.of(BACK);
    c.write("n2", "k", "v1"); // only n2 has v1: write-back
    c.restart("n1", 1); // the home comes back with nothing
    OpResult r = c.read("n3", "k");
    assertEquals("v1", r.value().asString(), "Collect brought n2's Modified data home");
    assertEquals("v1", c.memory.get("k").asString());
    assertEquals(LineState.I, c.state("n2", "k"));
  }

  @Test
  void aRestartedHomeWaitsOutTheLongestLeaseForAMemberDeclaredDown() {
    Cluster c = Cluster.of(BACK);
    c.read("n2", "k");
    c.cut.add("n2");
    c.restart("n1", 1);
    c.node("n1").nodeDown("n2");
    c.node("n3").nodeDown("n2");
    long op = c.submit("n3", OpKind.WRITE, "k", "v1");
    c.advance(BACK.leaseNanos() / 2);
    assertFalse(c.results.containsKey(op), "n2 may still serve the copy the old home granted");
    c.advance(BACK.leaseNanos() + BACK.clockDriftNanos());
    assertEquals(LineState.M, c.results.get(op).state());
  }

  @Test
  void anOperationWaitingOnAHomeDeclaredDownFailsSayingNothingWasApplied() {
    Cluster c = Cluster.of(BACK);
    c.cut.add("n1");
    long op = c.submit("n2", OpKind.WRITE, "k", "v1");
    c.settle();
    c.node("n2").nodeDown("n1");
    CacheException e = assertInstanceOf(CacheException.class, c.failures.get(op));
    assertFalse(e.mayHaveApplied());
    long next = c.submit("n2", OpKind.READ, "k", null);
    assertInstanceOf(CacheException.class, c.failures.get(next), "fails at once, no wait");
    c.cut.remove("n1");
    c.node("n2").nodeUp("n1");
    c.advance(BACK.retryNanos());
    assertNull(c.read("n2", "k").value(), "the key is usable again, and the write never applied");
  }

  @Test
  void theCrashOfAnOwnerUnderWriteBackLosesItsUnwrittenData() {
    Cluster c = Cluster.of(BACK);
    c.memory.put("k", CacheValue.of("v0"));
    c.write("n2", "k", "v1");
    c.crash("n2");
    long op = c.submit("n3", OpKind.READ, "k", null);
    c.advance(BACK.leaseNanos() + BACK.clockDriftNanos() + BACK.retryNanos());
    // documented: a write-back owner's writes since its last write-back die with it
    assertEquals("v0", c.results.get(op).value().asString());
  }

  @Test
  void theCrashOfAnOwnerUnderWriteThroughLosesNothingAcknowledged() {
    Cluster c = Cluster.of(THROUGH);
    c.write("n2", "k", "v1");
    c.crash("n2");
    long op = c.submit("n3", OpKind.READ, "k", null);
    c.advance(THROUGH.leaseNanos() + THROUGH.clockDriftNanos() + THROUGH.retryNanos());
    assertEquals("v1", c.results.get(op).value().asString());
  }

  @Test
  void aRestartedNodeIsNoLongerAHolder() {
    Cluster c = Cluster.of(BACK);
    c.read("n2", "k");
    c.restart("n2", 1);
    c.read("n2", "other"); // its first message shows the new incarnation
    assertEquals(new TreeSet<>(), c.node("n1").directorySharers("k"));
  }

  @Test
  void aMainMemoryFailureFailsTheReadAndChangesNothing() {
    Cluster c = Cluster.of(BACK);
    c.failMemoryReads = true;
    long op = c.submit("n2", OpKind.READ, "k", null);
    c.settle();
    assertInstanceOf(CacheException.class, c.failures.get(op));
    assertEquals(LineState.I, c.state("n2", "k"));
    assertEquals(DirectoryState.I, c.node("n1").directoryState("k"));
    c.failMemoryReads = false;
    assertEquals(LineState.E, c.read("n2", "k").state());
  }

  @Test
  void operationsOnOneKeyQueueUpToTheBound() {
    Cluster c = Cluster.of(BACK.mutate().maxPendingOpsPerKey(1).build());
    long first = c.submit("n2", OpKind.READ, "k", null);
    long second = c.submit("n2", OpKind.READ, "k", null);
    assertInstanceOf(CacheException.class, c.failures.get(second));
    c.settle();
    assertEquals(LineState.E, c.results.get(first).state());
  }

  @Test
  void aWriteWithoutAValueIsRefused() {
    Cluster c = Cluster.of(BACK);
    assertThrows(IllegalArgumentException.class,
        () -> c.node("n2").submit(99, OpKind.WRITE, "k", null));
    assertEquals(LineState.I, c.state("n2", "k"));
  }

  @Test
  void linesPerStateCountsEveryValidLine() {
    Cluster c = Cluster.of(BACK);
    c.read("n2", "a");
    c.write("n2", "b", "v");
    c.read("n2", "c");
    c.read("n3", "c");
    CacheStats s = c.node("n2").stats();
    assertEquals(1, s.linesPerState().get(LineState.E));
    assertEquals(1, s.linesPerState().get(LineState.M));
    assertEquals(1, s.linesPerState().get(LineState.S));
    assertEquals(0, s.linesPerState().get(LineState.IS_D));
  }

  @Test
  void anInvalidationThatOvertakesTheDataServesOneReadThenLeavesTheLineInvalid() {
    // Primer table 8.1, IS_D + Inv: the Inv for n3's grant overtakes the Data of that grant
    Cluster c = Cluster.of(BACK);
    c.memory.put("k", CacheValue.of("v0"));
    c.read("n1", "k");
    c.read("n2", "k"); // S at n1 and n2: n3's read is served from memory
    long read = c.submit("n3", OpKind.READ, "k", null);
    c.deliverFirst(MessageType.GET_S, "n1");
    c.completeFirstMemoryOperation(); // Data(S) to n3 is queued
    long write = c.submit("n2", OpKind.WRITE, "k", "v1");
    c.deliverFirst(MessageType.GET_M, "n1"); // the home invalidates n1 and n3 for n2
    c.deliverFirst(MessageType.INV, "n3"); // the Inv overtakes the Data
    assertEquals(LineState.IS_D, c.state("n3", "k"));
    c.deliverFirst(MessageType.DATA, "n3");
    OpResult r = c.results.get(read);
    assertEquals("v0", r.value().asString(), "the read uses the data once");
    assertEquals(LineState.I, c.state("n3", "k"));
    c.settle();
    assertEquals(LineState.M, c.results.get(write).state());
  }
}
