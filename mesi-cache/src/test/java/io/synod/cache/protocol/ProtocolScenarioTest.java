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
  void aSecondReaderGivesSharedToBothThroughTheOwner() {
    Cluster c = Cluster.of(BACK);
    c.read("n2", "k");
    int mark = c.mark();
    OpResult r = c.read("n3", "k");
    assertEquals(LineState.S, r.state());
    assertEquals(LineState.S, c.state("n2", "k"));
    // GetS, Fwd-GetS, then Data to the reader and Data to the home: 3 hops on the critical path
    assertEquals(List.of("GET_S n3->n1", "FWD_GET_S n1->n2", "DATA n2->n3", "DATA_HOME n2->n1"),
        c.since(mark));
    assertTrue(c.sent.stream().filter(m -> m.type() == MessageType.DATA).allMatch(
        m -> m.hops() <= 3));
    assertEquals(DirectoryState.S, c.node("n1").directoryState("k"));
    assertEquals(new TreeSet<>(Set.of("n2", "n3")), c.node("n1").directorySharers("k"));
    assertEquals(1, c.node("n1").stats().forwardedRequests());
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
    assertEquals(2, c.node("n1").stats().invalidationsSent());
    assertEquals(1, c.node("n3").stats().invalidationsReceived());
    assertEquals(1, c.node("n2").stats().upgrades());
    assertEquals("v1", c.read("n3", "k").value().asString());
  }

  @Test
  void aWriteOfAKeyAnotherNodeOwnsCostsThreeMessages() {
    Cluster c = Cluster.of(BACK);
    c.write("n2", "k", "v1");
    int mark = c.mark();
    c.write("n3", "k", "v2");
    assertEquals(List.of("GET_M n3->n1", "FWD_GET_M n1->n2", "DATA n2->n3"), c.since(mark));
    assertEquals(LineState.I, c.state("n2", "k"));
    assertEquals(LineState.M, c.state("n3", "k"));
    assertEquals("n3", c.node("n1").directoryOwner("k"));
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
  void theCrashOfASharerCleansTheDirectory() {
    Cluster c = Cluster.of(BACK);
    c.read("n2", "k");
    c.read("n3", "k");
    c.crash("n3");
    assertEquals(new TreeSet<>(Set.of("n2")), c.node("n1").directorySharers("k"));
    int mark = c.mark();
    c.write("n2", "k", "v1");
    assertFalse(c.since(mark).stream().anyMatch(m -> m.startsWith("INV")),
        "nobody is invalidated: the dead sharer was dropped");
  }

  @Test
  void theCrashOfASharerBeingInvalidatedDoesNotBlockTheWriter() {
    Cluster c = Cluster.of(BACK);
    c.read("n2", "k");
    c.read("n3", "k");
    long op = c.submit("n2", OpKind.WRITE, "k", "v1");
    c.deliverNext(); // the home handles GetM and sends Inv to n3
    assertEquals(DirectoryState.SM_A, c.node("n1").directoryState("k"));
    c.crash("n3"); // its Inv-Ack will never come
    c.settle();
    assertEquals(LineState.M, c.results.get(op).state());
    assertEquals("n2", c.node("n1").directoryOwner("k"));
  }

  @Test
  void theCrashOfAnOwnerUnderWriteBackLosesItsUnwrittenData() {
    Cluster c = Cluster.of(BACK);
    c.memory.put("k", CacheValue.of("v0"));
    c.write("n2", "k", "v1");
    c.crash("n2");
    assertEquals(DirectoryState.I, c.node("n1").directoryState("k"));
    assertNull(c.node("n1").directoryOwner("k"));
    // documented: a write-back owner's writes since its last write-back die with it
    assertEquals("v0", c.read("n3", "k").value().asString());
  }

  @Test
  void theCrashOfAnOwnerUnderWriteThroughLosesNothingAcknowledged() {
    Cluster c = Cluster.of(THROUGH);
    c.write("n2", "k", "v1");
    c.crash("n2");
    assertEquals(DirectoryState.I, c.node("n1").directoryState("k"));
    assertEquals("v1", c.read("n3", "k").value().asString());
  }

  @Test
  void theCrashOfAnOwnerAskedToForwardStillServesTheReader() {
    Cluster c = Cluster.of(BACK);
    c.write("n2", "k", "v1");
    long op = c.submit("n3", OpKind.READ, "k", null);
    c.deliverNext(); // the home sends Fwd-GetS to n2
    assertEquals(DirectoryState.S_D, c.node("n1").directoryState("k"));
    c.crash("n2"); // the forward is lost with it
    c.settle();
    OpResult r = c.results.get(op);
    assertFalse(r.hit());
    assertNull(r.value(), "the owner's unwritten v1 died with it (write-back)");
    assertFalse(c.node("n1").directoryState("k") == DirectoryState.S_D);
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
    // Primer table 8.1, IS_D + Inv: n3's Data (forwarded by n1) is overtaken by n2's Inv
    Cluster c = Cluster.of(BACK);
    c.memory.put("k", CacheValue.of("v0"));
    c.read("n1", "k"); // n1 holds E
    long read = c.submit("n3", OpKind.READ, "k", null);
    long write = c.submit("n2", OpKind.WRITE, "k", "v1");
    c.deliverFirst(MessageType.GET_S, "n1"); // the home forwards n3's GetS to the owner n1
    c.deliverFirst(MessageType.FWD_GET_S, "n1"); // n1 sends Data to n3 and to the home
    c.deliverFirst(MessageType.DATA_HOME, "n1"); // the home now records S {n1, n3}
    c.deliverFirst(MessageType.GET_M, "n1"); // and invalidates both sharers for n2
    c.deliverFirst(MessageType.INV, "n3"); // the Inv overtakes the Data
    assertEquals(LineState.IS_D_I, c.state("n3", "k"));
    c.deliverFirst(MessageType.DATA, "n3");
    OpResult r = c.results.get(read);
    assertEquals("v0", r.value().asString(), "the read uses the data once");
    assertEquals(LineState.I, r.state());
    assertEquals(LineState.I, c.state("n3", "k"));
    c.settle();
    assertEquals(LineState.M, c.results.get(write).state());
    assertEquals(LineState.I, c.state("n1", "k"));
  }

  @Test
  void aForwardThatArrivesWhileEvictingIsAnsweredFromTheDataStillHeld() {
    // Primer table 8.1, MI_A + Fwd-GetM: the evicting owner still serves the new owner
    Cluster c = Cluster.of(BACK.mutate().capacity(1).build());
    c.write("n2", "a", "va");
    long write = c.submit("n3", OpKind.WRITE, "a", "vb"); // GetM queued
    long evictor = c.submit("n2", OpKind.READ, "b", null); // GetS for b, will evict a later
    c.deliverFirst(MessageType.GET_M, "n1"); // home forwards n3's GetM to n2
    // b's fill makes n2 evict a (PutM) before the Fwd-GetM reaches it
    c.deliverFirst(MessageType.GET_S, "n1");
    c.completeFirstMemoryOperation(); // memory answers b's read: Data(E) to n2
    c.deliverFirst(MessageType.DATA, "n2");
    assertEquals(LineState.MI_A, c.state("n2", "a"));
    c.deliverFirst(MessageType.FWD_GET_M, "n2");
    assertEquals(LineState.II_A, c.state("n2", "a"));
    c.settle();
    assertEquals(LineState.M, c.results.get(write).state());
    assertEquals(LineState.M, c.state("n3", "a"));
    assertEquals(LineState.I, c.state("n2", "a"));
    assertEquals("n3", c.node("n1").directoryOwner("a"));
    assertTrue(c.results.containsKey(evictor));
    assertEquals("vb", c.read("n1", "a").value().asString());
  }
}
