package io.synod.server.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import io.synod.server.config.Role;
import io.synod.server.service.TopicStore;
import io.synod.transport.http.HttpError;
import io.synod.transport.http.Json;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Copies state changes from the node that serves them to the other members that are up, so a
 * member can take over without losing acknowledged work: the lock leader ships the states of the
 * resources and sessions it changed; a topic's owner ships publishes and acknowledgements. The
 * serving node answers its client only after every replica answered or failed, so an
 * acknowledged change is on every member that was up.
 *
 * <p>This primary-backup scheme stands in for the Raft log while raft-core's runtime is not wired:
 * it keeps acknowledged state across the loss of the serving node, but a member that restarts
 * comes back empty and, as with any view-based failover, two nodes may briefly both serve during
 * a partition.
 */
public final class Replicator {
  private final ClusterView cluster;
  private final PeerClient peers;
  private final TopicStore topics;

  /**
   * Creates it.
   *
   * @param cluster the cluster view (who is up)
   * @param peers the HTTP client
   * @param topics this node's topics
   */
  public Replicator(ClusterView cluster, PeerClient peers, TopicStore topics) {
    this.cluster = cluster;
    this.peers = peers;
    this.topics = topics;
  }

  /**
   * Ships a publish.
   *
   * @param topic the topic
   * @param ids the new message ids
   * @param payloads their data
   * @return completes when every replica answered or failed
   */
  public CompletableFuture<Void> publish(String topic, List<String> ids, List<JsonNode> payloads) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("kind", "publish");
    body.put("topic", topic);
    body.put("ids", ids);
    body.put("payloads", payloads);
    return send(Role.QUEUE, body);
  }

  /**
   * Ships acknowledgements.
   *
   * @param topic the topic
   * @param group the group
   * @param ids the acknowledged ids
   * @return completes when every replica answered or failed
   */
  public CompletableFuture<Void> ack(String topic, String group, List<String> ids) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("kind", "ack");
    body.put("topic", topic);
    body.put("group", group);
    body.put("ids", ids);
    return send(Role.QUEUE, body);
  }

  private CompletableFuture<Void> send(Role role, Map<String, Object> body) {
    List<String> targets = cluster.upOthers(role);
    if (targets.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    byte[] json = Json.write(body);
    List<CompletableFuture<?>> calls = new ArrayList<>();
    for (String peer : targets) {
      URI url = cluster.url(peer);
      if (url != null) {
        calls.add(peers.post(peer, url.resolve("/internal/replicate"), json)
            .exceptionally(e -> null));
      }
    }
    return CompletableFuture.allOf(calls.toArray(new CompletableFuture<?>[0]));
  }

  /**
   * Applies a replication message received from another node.
   *
   * @param body the message
   * @throws HttpError 400 when it is not a replication message
   */
  public void apply(JsonNode body) {
    String kind = body.path("kind").asText("");
    switch (kind) {
      case "publish" -> {
        List<String> ids = new ArrayList<>();
        body.path("ids").forEach(n -> ids.add(n.asText()));
        List<JsonNode> payloads = new ArrayList<>();
        body.path("payloads").forEach(payloads::add);
        if (ids.size() != payloads.size()) {
          throw new HttpError(400, "invalid_body", "ids and payloads differ in length");
        }
        topics.applyPublish(body.path("topic").asText(), ids, payloads);
      }
      case "ack" -> {
        List<String> ids = new ArrayList<>();
        body.path("ids").forEach(n -> ids.add(n.asText()));
        topics.applyAck(body.path("topic").asText(), body.path("group").asText(), ids);
      }
      default -> throw new HttpError(400, "invalid_body", "unknown replication kind '" + kind + "'");
    }
  }
}
