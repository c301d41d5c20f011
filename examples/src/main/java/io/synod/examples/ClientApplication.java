package io.synod.examples;

import io.synod.transport.http.client.LockGrant;
import io.synod.transport.http.client.LockMode;
import io.synod.transport.http.client.LockRequest;
import io.synod.transport.http.client.LockSession;
import io.synod.transport.http.client.PublishResult;
import io.synod.transport.http.client.QueueMessage;
import io.synod.transport.http.client.SessionKeepAlive;
import io.synod.transport.http.client.SessionTokenMismatchException;
import io.synod.transport.http.client.SynodClient;
import io.synod.transport.http.client.SynodClientOptions;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An application using {@link SynodClient} against a running cluster: a lock with fencing tokens
 * (a second owner refused, then granted after release), a lock held by a session (which a client
 * knowing only the session's id cannot release or close), a batch
 * published, consumed in a group and acknowledged, and a cache write read back.
 *
 * <p>Start a cluster ({@code ./synod dev}), then run: {@code mvn -q -pl examples -am exec:java
 * -Dexec.mainClass=io.synod.examples.ClientApplication
 * -Dexec.args="http://localhost:8001 http://localhost:8002 http://localhost:8003"}
 */
public final class ClientApplication {
  private static final Logger LOG = LoggerFactory.getLogger(ClientApplication.class);
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  /**
   * What happened, for the reader and for the test.
   *
   * @param aliceToken fencing token of alice's grant
   * @param bobRefusedWhileHeld whether bob's try-lock came back empty while alice held the lock
   * @param bobToken fencing token of bob's grant after alice released
   * @param sessionIdAloneRefused whether a client knowing only carol's session id (with a made-up
   *     token) was refused, with {@link SessionTokenMismatchException}, when it tried to release
   *     her lock and close her session
   * @param sessionLockFreedOnClose whether closing carol's session freed the lock she held in it
   * @param published message ids, in publish order
   * @param consumed message ids as the consumer got them
   * @param leftAfterAck messages a second consume returned after every ack
   * @param cacheValue the value read back after the write
   */
  public record Result(
      long aliceToken, boolean bobRefusedWhileHeld, long bobToken,
      boolean sessionIdAloneRefused, boolean sessionLockFreedOnClose, List<String> published, List<String> consumed,
      int leftAfterAck, String cacheValue) {}

  private ClientApplication() {}

  /**
   * Runs the example against the nodes named on the command line.
   *
   * @param args base URIs of nodes; none means {@code http://localhost:8001}
   * @throws Exception when a step fails
   */
  public static void main(String[] args) throws Exception {
    List<URI> endpoints = new ArrayList<>();
    for (String a : args) {
      endpoints.add(URI.create(a));
    }
    if (endpoints.isEmpty()) {
      endpoints.add(SynodClientOptions.DEFAULT_ENDPOINT);
    }
    // a fresh suffix per run, so names never meet a previous run's leftovers
    String runId = Long.toString(System.currentTimeMillis(), 36);
    LOG.info("result: {}", run(endpoints, runId));
  }

  /**
   * Plays the scenario.
   *
   * @param endpoints the nodes to talk to
   * @param runId a suffix for resource, topic and address names
   * @return what happened
   * @throws Exception when a step fails
   */
  public static Result run(List<URI> endpoints, String runId) throws Exception {
    String resource = "inventory-" + runId;
    String topic = "invoices-" + runId;
    String address = "greeting-" + runId;
    SynodClientOptions options = SynodClientOptions.builder().endpoints(endpoints).build();
    try (SynodClient client = SynodClient.create(options)) {
      // locks: every grant carries a fencing token, strictly increasing per resource
      LockGrant alice = get(client.locks().acquire(resource, "alice", LockMode.EXCLUSIVE,
          Duration.ZERO));
      LOG.info("alice holds {} with fencing token {} (granted by {})", resource,
          alice.fencingToken(), alice.node());
      Optional<LockGrant> bobTry = get(client.locks().tryAcquire(resource, "bob",
          LockMode.EXCLUSIVE));
      LOG.info("bob's try-lock while alice holds it: {}", bobTry.isPresent() ? "granted" : "busy");
      // the default lease holds alice's lock in a session the server opened for it; the grant
      // keeps that session's token, which the release presents
      get(client.locks().release(alice));
      LockGrant bob = get(client.locks().acquire(resource, "bob", LockMode.EXCLUSIVE,
          Duration.ofSeconds(5)));
      LOG.info("bob holds {} with fencing token {}", resource, bob.fencingToken());
      get(client.locks().release(bob));

      // a session: its locks live while it is kept alive, and go with it
      LockSession session = get(client.locks().openSession(Duration.ofSeconds(10)));
      get(client.locks().acquire(LockRequest.of(resource, "carol").withSession(session)));
      long leaseEnd = get(client.locks().keepAlive(session));
      LOG.info("carol's session {} kept alive until {}", session.sessionId(), leaseEnd);
      // session ids are small numbers; the token is what makes a client the session's holder
      LockSession guessed = new LockSession(session.sessionId(), session.ttl(), "guessed");
      boolean refused = refusedForItsToken(client.locks().release(resource, "carol", guessed))
          & refusedForItsToken(client.locks().closeSession(guessed));
      LOG.info("a client with carol's session id but not its token was refused: {}", refused);
      // a long-running holder keeps its session alive in the background instead
      try (SessionKeepAlive background = client.locks().keepAliveEvery(session,
          session.ttl().dividedBy(3))) {
        background.lost().whenComplete((v, e) -> {
          if (e != null) {
            LOG.warn("carol's session was lost; stop using its locks: {}", e.getMessage());
          }
        });
        // ... carol's work under the lock would run here ...
      }
      get(client.locks().closeSession(session));
      Optional<LockGrant> afterClose = get(client.locks().tryAcquire(resource, "dave",
          LockMode.EXCLUSIVE));
      afterClose.ifPresent(g -> LOG.info("session closed: dave got {} with token {}", resource,
          g.fencingToken()));
      if (afterClose.isPresent()) {
        get(client.locks().release(afterClose.get()));
      }

      // the queue: a batch keeps its order; each message carries the id its owner gave it
      List<PublishResult> batch = get(client.queues().publishBatch(topic, List.of(
          Map.of("invoice", 1), Map.of("invoice", 2), Map.of("invoice", 3))));
      List<String> published = batch.stream().map(PublishResult::messageId).toList();
      LOG.info("published {} to {}", published, topic);
      List<String> consumed = new ArrayList<>();
      List<QueueMessage> got = get(client.queues().consume(topic, "accounting", "worker-1", 10,
          Duration.ofSeconds(1)));
      for (QueueMessage m : got) {
        LOG.info("worker-1 got {} {} (delivery {})", m.id(), m.data(), m.deliveryCount());
        consumed.add(m.id());
      }
      if (!consumed.isEmpty()) {
        get(client.queues().ack(topic, "accounting", consumed));
      }
      int left = get(client.queues().consume(topic, "accounting", "worker-1")).size();

      // the cache: a write, then a read through whichever node answers
      get(client.cache().write(address, "hello"));
      String value = get(client.cache().read(address)).value().asText();
      LOG.info("{} reads back '{}'", address, value);

      return new Result(alice.fencingToken(), bobTry.isEmpty(), bob.fencingToken(), refused,
          afterClose.isPresent(), published, consumed, left, value);
    }
  }

  /** Whether the call failed because the session token it presented is not the session's. */
  private static boolean refusedForItsToken(CompletionStage<?> s) throws Exception {
    try {
      get(s);
      return false;
    } catch (ExecutionException e) {
      return e.getCause() instanceof SessionTokenMismatchException;
    }
  }

  private static <T> T get(CompletionStage<T> s) throws Exception {
    return s.toCompletableFuture().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
  }
}
