package io.synod.server.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import io.synod.transport.http.ClusterAuth;
import io.synod.transport.http.HttpClientOptions;
import io.synod.transport.http.Tls;

/**
 * The resolved, validated configuration of one node.
 *
 * <p>Settings are named by their environment variables ({@link #KEYS}). {@link #resolve} takes
 * them from command-line flags first, then the environment, then a {@code .env} file, then the
 * defaults, and checks every value: the first bad one raises a {@link ConfigException} whose
 * one-line message names it. Instances are immutable.
 */
public final class NodeConfig {
  /** Every setting with its default ({@code null}: none) in documentation order. */
  public static final Map<String, String> KEYS;

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

  static {
    Map<String, String> k = new LinkedHashMap<>();
    k.put("NODE_ID", "node1");
    k.put("PEERS", "");
    k.put("HTTP_HOST", "0.0.0.0");
    k.put("HTTP_PORT", "8000");
    k.put("ADVERTISED_URL", null);
    k.put("REDIS_URL", null);
    k.put("DATA_DIR", null);
    k.put("ROLES", "lock,queue,cache");
    k.put("NODE_TYPE", null);
    k.put("RAFT_TICK_MILLIS", "10");
    k.put("RAFT_ELECTION_TIMEOUT_TICKS", "100");
    k.put("RAFT_HEARTBEAT_TICKS", "10");
    k.put("HEARTBEAT_INTERVAL_MILLIS", "250");
    k.put("FAILURE_TIMEOUT_MILLIS", "1500");
    k.put("CACHE_CAPACITY", "10000");
    k.put("CACHE_POLICY", "lru");
    k.put("CACHE_WRITE_POLICY", "write-back");
    k.put("CACHE_GROUPS", "3");
    k.put("QUEUE_VISIBILITY_TIMEOUT_MILLIS", "30000");
    k.put("QUEUE_MAX_DELIVERIES", "5");
    k.put("QUEUE_GROUPS", "3");
    k.put("QUEUE_MAX_DEPTH", "1000000");
    k.put("QUEUE_MAX_AGE_MILLIS", "0");
    k.put("QUEUE_MAX_TOPICS", "100000");
    k.put("QUEUE_MAX_GROUPS_PER_TOPIC", "100");
    k.put("QUEUE_MAX_CONSUMERS_PER_GROUP", "1000");
    k.put("QUEUE_MAX_PENDING_PER_GROUP", "100000");
    k.put("QUEUE_GROUP_IDLE_EXPIRY_MILLIS", "0");
    k.put("LOCK_DEFAULT_TTL_MILLIS", "30000");
    k.put("LOCK_MAX_RESOURCES", "1000000");
    k.put("LOCK_MAX_SESSIONS", "100000");
    k.put("MAX_BODY_BYTES", "1048576");
    k.put("MAX_KEY_LENGTH", "256");
    k.put("SHUTDOWN_TIMEOUT_MILLIS", "5000");
    // security (docs/SECURITY.md)
    k.put("CLUSTER_SECRET", null);
    k.put("CLUSTER_AUTH_WINDOW_MILLIS", "30000");
    k.put("INSECURE", "false");
    k.put("API_KEYS", null);
    k.put("API_KEYS_FILE", null);
    // TLS for clients and peers (docs/SECURITY.md); PEERS then use https://
    k.put("TLS_CERT", null);
    k.put("TLS_KEY", null);
    k.put("TLS_CA", null);
    k.put("TLS_CLIENT_AUTH", "none");
    // hostile-input bounds at the HTTP edge (docs/SECURITY.md)
    k.put("MAX_INTERNAL_BODY_BYTES", "16777216");
    k.put("MAX_URL_BYTES", "8192");
    k.put("MAX_HEADER_BYTES", "16384");
    k.put("MAX_HEADER_COUNT", "100");
    k.put("REQUEST_TIMEOUT_MILLIS", "30000");
    k.put("IDLE_TIMEOUT_MILLIS", "300000");
    k.put("MAX_IN_FLIGHT_REQUESTS", "20000");
    k.put("MAX_CACHE_VALUE_BYTES", "262144");
    KEYS = Collections.unmodifiableMap(k);
  }

  private final Map<String, String> resolved;
  private final String nodeId;
  private final Map<String, URI> peers;
  private final String httpHost;
  private final int httpPort;
  private final URI advertisedUrl;
  private final URI redisUrl;
  private final Path dataDir;
  private final Set<Role> roles;
  private final int raftTickMillis;
  private final int raftElectionTimeoutTicks;
  private final int raftHeartbeatTicks;
  private final int heartbeatIntervalMillis;
  private final int failureTimeoutMillis;
  private final int cacheCapacity;
  private final String cachePolicy;
  private final String cacheWritePolicy;
  private final long queueVisibilityTimeoutMillis;
  private final int queueMaxDeliveries;
  private final int queueGroups;
  private final int cacheGroups;
  private final int queueMaxDepth;
  private final long queueMaxAgeMillis;
  private final io.synod.queue.QueueLimits queueLimits;
  private final long lockDefaultTtlMillis;
  private final int lockMaxResources;
  private final int lockMaxSessions;
  private final int maxBodyBytes;
  private final int maxKeyLength;
  private final int shutdownTimeoutMillis;
  private final ClusterAuth clusterAuth;
  private final boolean insecure;
  private final ApiKeys apiKeys;
  private final int maxInternalBodyBytes;
  private final int maxUrlBytes;
  private final int maxHeaderBytes;
  private final int maxHeaderCount;
  private final int requestTimeoutMillis;
  private final int idleTimeoutMillis;
  private final int maxInFlightRequests;
  private final int maxCacheValueBytes;
  private final io.netty.handler.ssl.SslContext serverTls;
  private final io.netty.handler.ssl.SslContext peerTls;
  private final Tls.ClientCertificates tlsClientAuth;

  private NodeConfig(Map<String, String> v) {
    this.resolved = Collections.unmodifiableMap(new LinkedHashMap<>(v));
    this.nodeId = name("NODE_ID", v.get("NODE_ID"));
    this.httpHost = nonEmpty("HTTP_HOST", v.get("HTTP_HOST"));
    this.httpPort = intIn("HTTP_PORT", v.get("HTTP_PORT"), 0, 65535);
    this.peers = peers(v.get("PEERS"), nodeId, httpPort);
    String adv = v.get("ADVERTISED_URL");
    this.advertisedUrl = adv == null || adv.isBlank() ? peers.get(nodeId) : url("ADVERTISED_URL", adv);
    String redis = v.get("REDIS_URL");
    this.redisUrl = redis == null || redis.isBlank() ? null : redis(redis);
    String dir = v.get("DATA_DIR");
    this.dataDir = dir == null || dir.isBlank() ? null : path("DATA_DIR", dir);
    String nodeType = v.get("NODE_TYPE");
    this.roles =
        nodeType == null || nodeType.isBlank() ? roles(v.get("ROLES")) : nodeType(nodeType);
    this.raftTickMillis = intIn("RAFT_TICK_MILLIS", v.get("RAFT_TICK_MILLIS"), 1, 10_000);
    this.raftElectionTimeoutTicks =
        intIn("RAFT_ELECTION_TIMEOUT_TICKS", v.get("RAFT_ELECTION_TIMEOUT_TICKS"), 2, 100_000);
    this.raftHeartbeatTicks =
        intIn("RAFT_HEARTBEAT_TICKS", v.get("RAFT_HEARTBEAT_TICKS"), 1, 100_000);
    if (raftHeartbeatTicks >= raftElectionTimeoutTicks) {
      throw new ConfigException(
          "RAFT_HEARTBEAT_TICKS",
          "must be below RAFT_ELECTION_TIMEOUT_TICKS (" + raftElectionTimeoutTicks + ")");
    }
    this.heartbeatIntervalMillis =
        intIn("HEARTBEAT_INTERVAL_MILLIS", v.get("HEARTBEAT_INTERVAL_MILLIS"), 10, 60_000);
    this.failureTimeoutMillis =
        intIn("FAILURE_TIMEOUT_MILLIS", v.get("FAILURE_TIMEOUT_MILLIS"), 20, 600_000);
    if (failureTimeoutMillis <= heartbeatIntervalMillis) {
      throw new ConfigException(
          "FAILURE_TIMEOUT_MILLIS",
          "must exceed HEARTBEAT_INTERVAL_MILLIS (" + heartbeatIntervalMillis + ")");
    }
    this.cacheCapacity = intIn("CACHE_CAPACITY", v.get("CACHE_CAPACITY"), 1, 100_000_000);
    this.cachePolicy = oneOf("CACHE_POLICY", v.get("CACHE_POLICY"), List.of("lru", "lfu"));
    this.cacheWritePolicy =
        oneOf(
            "CACHE_WRITE_POLICY",
            v.get("CACHE_WRITE_POLICY"),
            List.of("write-back", "write-through"));
    this.queueVisibilityTimeoutMillis =
        intIn(
            "QUEUE_VISIBILITY_TIMEOUT_MILLIS",
            v.get("QUEUE_VISIBILITY_TIMEOUT_MILLIS"),
            1,
            Integer.MAX_VALUE);
    this.queueMaxDeliveries =
        intIn("QUEUE_MAX_DELIVERIES", v.get("QUEUE_MAX_DELIVERIES"), 1, 1_000_000);
    this.queueGroups = intIn("QUEUE_GROUPS", v.get("QUEUE_GROUPS"), 1, 64);
    this.cacheGroups = intIn("CACHE_GROUPS", v.get("CACHE_GROUPS"), 1, 64);
    this.queueMaxDepth = intIn("QUEUE_MAX_DEPTH", v.get("QUEUE_MAX_DEPTH"), 1, Integer.MAX_VALUE);
    this.queueMaxAgeMillis =
        intIn("QUEUE_MAX_AGE_MILLIS", v.get("QUEUE_MAX_AGE_MILLIS"), 0, Integer.MAX_VALUE);
    this.queueLimits = new io.synod.queue.QueueLimits(
        intIn("QUEUE_MAX_TOPICS", v.get("QUEUE_MAX_TOPICS"), 1, Integer.MAX_VALUE),
        intIn("QUEUE_MAX_GROUPS_PER_TOPIC", v.get("QUEUE_MAX_GROUPS_PER_TOPIC"), 1, 100_000),
        intIn("QUEUE_MAX_CONSUMERS_PER_GROUP", v.get("QUEUE_MAX_CONSUMERS_PER_GROUP"), 1,
            1_000_000),
        intIn("QUEUE_MAX_PENDING_PER_GROUP", v.get("QUEUE_MAX_PENDING_PER_GROUP"), 1,
            Integer.MAX_VALUE),
        intIn("QUEUE_GROUP_IDLE_EXPIRY_MILLIS", v.get("QUEUE_GROUP_IDLE_EXPIRY_MILLIS"), 0,
            Integer.MAX_VALUE));
    this.lockDefaultTtlMillis =
        intIn("LOCK_DEFAULT_TTL_MILLIS", v.get("LOCK_DEFAULT_TTL_MILLIS"), 1, Integer.MAX_VALUE);
    this.lockMaxResources =
        intIn("LOCK_MAX_RESOURCES", v.get("LOCK_MAX_RESOURCES"), 1, 100_000_000);
    this.lockMaxSessions = intIn("LOCK_MAX_SESSIONS", v.get("LOCK_MAX_SESSIONS"), 1, 100_000_000);
    this.maxBodyBytes = intIn("MAX_BODY_BYTES", v.get("MAX_BODY_BYTES"), 1024, 64 << 20);
    this.maxKeyLength = intIn("MAX_KEY_LENGTH", v.get("MAX_KEY_LENGTH"), 1, 65_536);
    this.shutdownTimeoutMillis =
        intIn("SHUTDOWN_TIMEOUT_MILLIS", v.get("SHUTDOWN_TIMEOUT_MILLIS"), 0, 600_000);
    this.clusterAuth = clusterAuth(v.get("CLUSTER_SECRET"),
        intIn("CLUSTER_AUTH_WINDOW_MILLIS", v.get("CLUSTER_AUTH_WINDOW_MILLIS"), 100, 600_000));
    this.insecure = bool("INSECURE", v.get("INSECURE"));
    this.apiKeys = ApiKeys.load(v.get("API_KEYS"), v.get("API_KEYS_FILE"));
    this.maxInternalBodyBytes =
        intIn("MAX_INTERNAL_BODY_BYTES", v.get("MAX_INTERNAL_BODY_BYTES"), 1024, 1 << 30);
    this.maxUrlBytes = intIn("MAX_URL_BYTES", v.get("MAX_URL_BYTES"), 256, 1 << 20);
    this.maxHeaderBytes = intIn("MAX_HEADER_BYTES", v.get("MAX_HEADER_BYTES"), 1024, 1 << 20);
    this.maxHeaderCount = intIn("MAX_HEADER_COUNT", v.get("MAX_HEADER_COUNT"), 8, 10_000);
    this.requestTimeoutMillis =
        intIn("REQUEST_TIMEOUT_MILLIS", v.get("REQUEST_TIMEOUT_MILLIS"), 100, 3_600_000);
    this.idleTimeoutMillis =
        intIn("IDLE_TIMEOUT_MILLIS", v.get("IDLE_TIMEOUT_MILLIS"), 100, 86_400_000);
    this.maxInFlightRequests =
        intIn("MAX_IN_FLIGHT_REQUESTS", v.get("MAX_IN_FLIGHT_REQUESTS"), 1, 10_000_000);
    this.maxCacheValueBytes =
        intIn("MAX_CACHE_VALUE_BYTES", v.get("MAX_CACHE_VALUE_BYTES"), 1, 64 << 20);
    Path cert = optionalPath("TLS_CERT", v.get("TLS_CERT"));
    Path key = optionalPath("TLS_KEY", v.get("TLS_KEY"));
    Path ca = optionalPath("TLS_CA", v.get("TLS_CA"));
    try {
      this.tlsClientAuth = Tls.ClientCertificates.parse(nonEmpty("TLS_CLIENT_AUTH",
          v.get("TLS_CLIENT_AUTH")));
    } catch (IllegalArgumentException e) {
      throw new ConfigException("TLS_CLIENT_AUTH", e.getMessage());
    }
    if ((cert == null) != (key == null)) {
      throw new ConfigException(cert == null ? "TLS_CERT" : "TLS_KEY",
          "TLS_CERT and TLS_KEY go together");
    }
    if (cert == null && (ca != null || tlsClientAuth != Tls.ClientCertificates.NONE)) {
      throw new ConfigException("TLS_CERT", "TLS_CA and TLS_CLIENT_AUTH need TLS_CERT and TLS_KEY");
    }
    if (cert != null) {
      for (Map.Entry<String, URI> p : peers.entrySet()) {
        if (!"https".equals(p.getValue().getScheme())) {
          throw new ConfigException("PEERS", "with TLS every member must be https://; "
              + p.getKey() + " is " + p.getValue());
        }
      }
      try {
        this.serverTls = Tls.server(cert, key, ca, tlsClientAuth);
        // towards peers this node presents its own certificate (mutual TLS) and trusts TLS_CA
        this.peerTls = Tls.client(ca, cert, key);
      } catch (IllegalArgumentException e) {
        throw new ConfigException("TLS_CERT", e.getMessage());
      }
    } else {
      this.serverTls = null;
      this.peerTls = null;
    }
  }

  private static Path optionalPath(String key, String value) {
    if (value == null || value.isBlank()) {
      return null;
    }
    Path p = path(key, value.strip());
    if (!java.nio.file.Files.isReadable(p)) {
      throw new ConfigException(key, "cannot read '" + value + "'");
    }
    return p;
  }

  private static ClusterAuth clusterAuth(String secret, int windowMillis) {
    if (secret == null || secret.isEmpty()) {
      return null;
    }
    try {
      return ClusterAuth.create(secret, java.time.Duration.ofMillis(windowMillis),
          java.time.Clock.systemUTC());
    } catch (IllegalArgumentException e) {
      throw new ConfigException("CLUSTER_SECRET", e.getMessage());
    }
  }

  private static boolean bool(String key, String value) {
    String v = nonEmpty(key, value).toLowerCase(Locale.ROOT);
    return switch (v) {
      case "true", "yes", "1", "on" -> true;
      case "false", "no", "0", "off" -> false;
      default -> throw new ConfigException(key, "'" + value + "' is not true or false");
    };
  }

  /**
   * Resolves the configuration from its sources.
   *
   * @param flags values given on the command line, by setting name (highest precedence)
   * @param env the process environment
   * @param dotEnv the {@code .env} file's values (lowest precedence before the defaults)
   * @return the validated configuration
   * @throws ConfigException naming the first bad or unknown-valued setting
   */
  public static NodeConfig resolve(
      Map<String, String> flags, Map<String, String> env, Map<String, String> dotEnv) {
    Map<String, String> v = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : KEYS.entrySet()) {
      String key = e.getKey();
      String value = firstSet(flags.get(key), env.get(key), dotEnv.get(key), e.getValue());
      if (value != null) {
        v.put(key, value.strip());
      }
    }
    return new NodeConfig(v);
  }

  /**
   * Resolves from settings given as one map (tests, the dev cluster), over the defaults.
   *
   * @param settings values by setting name
   * @return the validated configuration
   * @throws ConfigException naming the first bad setting
   */
  public static NodeConfig of(Map<String, String> settings) {
    for (String key : settings.keySet()) {
      if (!KEYS.containsKey(key)) {
        throw new ConfigException(key, "unknown setting");
      }
    }
    return resolve(settings, Map.of(), Map.of());
  }

  private static String firstSet(String... values) {
    for (String s : values) {
      if (s != null) {
        return s;
      }
    }
    return null;
  }

  private static String nonEmpty(String key, String value) {
    if (value == null || value.isBlank()) {
      throw new ConfigException(key, "must not be empty");
    }
    return value;
  }

  private static String name(String key, String value) {
    nonEmpty(key, value);
    if (!NAME.matcher(value).matches()) {
      throw new ConfigException(
          key, "'" + value + "' must be 1-64 letters, digits, '_', '.' or '-'");
    }
    return value;
  }

  private static int intIn(String key, String value, long min, long max) {
    nonEmpty(key, value);
    long n;
    try {
      n = Long.parseLong(value.replace("_", ""));
    } catch (NumberFormatException e) {
      throw new ConfigException(key, "'" + value + "' is not a whole number");
    }
    if (n < min || n > max) {
      throw new ConfigException(key, n + " is out of range [" + min + ", " + max + "]");
    }
    return (int) n;
  }

  private static String oneOf(String key, String value, List<String> allowed) {
    String v = nonEmpty(key, value).toLowerCase(Locale.ROOT).replace('_', '-');
    if (!allowed.contains(v)) {
      throw new ConfigException(key, "'" + value + "' is not one of " + allowed);
    }
    return v;
  }

  private static URI url(String key, String value) {
    try {
      URI u = new URI(value.strip());
      if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme())
          || u.getHost() == null
          || u.getPort() < 0) {
        throw new ConfigException(key, "'" + value + "' must look like http://host:port");
      }
      return new URI(u.getScheme(), null, u.getHost(), u.getPort(), null, null, null);
    } catch (URISyntaxException e) {
      throw new ConfigException(key, "'" + value + "' is not a URL: " + e.getReason());
    }
  }

  private static Map<String, URI> peers(String value, String self, int port) {
    Map<String, URI> out = new TreeMap<>();
    if (value == null || value.isBlank()) {
      out.put(self, URI.create("http://127.0.0.1:" + port));
      return Collections.unmodifiableMap(out);
    }
    for (String part : value.split(",")) {
      String p = part.strip();
      if (p.isEmpty()) {
        continue;
      }
      int eq = p.indexOf('=');
      if (eq <= 0) {
        throw new ConfigException("PEERS", "'" + p + "' must be name=http://host:port");
      }
      String id = p.substring(0, eq).strip();
      if (!NAME.matcher(id).matches()) {
        throw new ConfigException("PEERS", "peer name '" + id + "' is not a valid node id");
      }
      URI u = url("PEERS", p.substring(eq + 1));
      if (out.put(id, u) != null) {
        throw new ConfigException("PEERS", "node '" + id + "' is listed twice");
      }
    }
    if (!out.containsKey(self)) {
      throw new ConfigException("PEERS", "does not list this node's NODE_ID '" + self + "'");
    }
    return Collections.unmodifiableMap(out);
  }

  private static URI redis(String value) {
    try {
      URI u = new URI(value);
      String s = u.getScheme();
      if (s == null
          || !List.of("redis", "rediss", "redis-sentinel", "redis-cluster").contains(s)
          || u.getHost() == null) {
        throw new ConfigException(
            "REDIS_URL", "'" + value + "' must look like redis://host:6379 (or rediss://)");
      }
      return u;
    } catch (URISyntaxException e) {
      throw new ConfigException("REDIS_URL", "'" + value + "' is not a URL: " + e.getReason());
    }
  }

  private static Path path(String key, String value) {
    try {
      return Path.of(value);
    } catch (RuntimeException e) {
      throw new ConfigException(key, "'" + value + "' is not a path");
    }
  }

  private static Set<Role> roles(String value) {
    EnumSet<Role> out = EnumSet.noneOf(Role.class);
    for (String part : nonEmpty("ROLES", value).split(",")) {
      String p = part.strip().toLowerCase(Locale.ROOT);
      if (p.isEmpty()) {
        continue;
      }
      switch (p) {
        case "lock", "lock_manager", "locks" -> out.add(Role.LOCK);
        case "queue", "queues" -> out.add(Role.QUEUE);
        case "cache" -> out.add(Role.CACHE);
        default -> throw new ConfigException(
            "ROLES", "'" + part.strip() + "' is not one of lock, queue, cache");
      }
    }
    if (out.isEmpty()) {
      throw new ConfigException("ROLES", "must name at least one of lock, queue, cache");
    }
    return Collections.unmodifiableSet(out);
  }

  private static Set<Role> nodeType(String value) {
    return switch (value.strip().toLowerCase(Locale.ROOT)) {
      case "lock_manager", "lock" -> Collections.unmodifiableSet(EnumSet.of(Role.LOCK));
      case "queue" -> Collections.unmodifiableSet(EnumSet.of(Role.QUEUE));
      case "cache" -> Collections.unmodifiableSet(EnumSet.of(Role.CACHE));
      default -> throw new ConfigException(
          "NODE_TYPE", "'" + value + "' is not one of lock_manager, queue, cache");
    };
  }

  /**
   * Renders the resolved configuration, one {@code KEY=value} line per setting, unset ones
   * shown as {@code KEY=} and derived values in comments.
   *
   * @return the text
   */
  public String describe() {
    StringBuilder sb = new StringBuilder();
    for (String key : KEYS.keySet()) {
      String val = resolved.get(key);
      if (val != null && !val.isEmpty() && (key.equals("CLUSTER_SECRET")
          || key.equals("API_KEYS"))) {
        val = "<set, hidden>";
      }
      sb.append(key).append('=').append(val == null ? "" : val).append('\n');
    }
    sb.append("# roles: ").append(roles).append('\n');
    sb.append("# members: ").append(peers).append('\n');
    sb.append("# storage: ").append(redisUrl == null ? "embedded" : "redis " + redisUrl);
    sb.append(", raft log: ").append(dataDir == null ? "memory" : dataDir).append('\n');
    return sb.toString();
  }

  /**
   * Returns a copy with some settings replaced (validated again).
   *
   * @param overrides settings by name
   * @return the new configuration
   */
  public NodeConfig with(Map<String, String> overrides) {
    Map<String, String> v = new LinkedHashMap<>(resolved);
    v.putAll(overrides);
    return new NodeConfig(v);
  }

  /** @return this node's id */
  public String nodeId() {
    return nodeId;
  }

  /** @return every member (this node included) by id, sorted by id */
  public Map<String, URI> peers() {
    return peers;
  }

  /** @return the interface the HTTP server binds */
  public String httpHost() {
    return httpHost;
  }

  /** @return the HTTP port (0: any free port) */
  public int httpPort() {
    return httpPort;
  }

  /** @return the URL other nodes use to reach this one */
  public URI advertisedUrl() {
    return advertisedUrl;
  }

  /** @return the Redis URL, or {@code null} for embedded storage */
  public URI redisUrl() {
    return redisUrl;
  }

  /** @return the Raft log directory, or {@code null} for an in-memory log */
  public Path dataDir() {
    return dataDir;
  }

  /** @return the services this node runs */
  public Set<Role> roles() {
    return roles;
  }

  /**
   * Tells whether this node runs a service.
   *
   * @param role the service
   * @return whether it runs
   */
  public boolean runs(Role role) {
    return roles.contains(role);
  }

  /** @return the Raft tick in milliseconds */
  public int raftTickMillis() {
    return raftTickMillis;
  }

  /** @return the Raft election timeout in ticks */
  public int raftElectionTimeoutTicks() {
    return raftElectionTimeoutTicks;
  }

  /** @return the Raft heartbeat interval in ticks */
  public int raftHeartbeatTicks() {
    return raftHeartbeatTicks;
  }

  /** @return how often nodes heartbeat each other, in milliseconds */
  public int heartbeatIntervalMillis() {
    return heartbeatIntervalMillis;
  }

  /** @return the silence after which a member is considered down, in milliseconds */
  public int failureTimeoutMillis() {
    return failureTimeoutMillis;
  }

  /** @return the number of cache lines a node keeps */
  public int cacheCapacity() {
    return cacheCapacity;
  }

  /** @return {@code lru} or {@code lfu} */
  public String cachePolicy() {
    return cachePolicy;
  }

  /** @return {@code write-back} or {@code write-through} */
  public String cacheWritePolicy() {
    return cacheWritePolicy;
  }

  /** @return the queue visibility timeout in milliseconds */
  public long queueVisibilityTimeoutMillis() {
    return queueVisibilityTimeoutMillis;
  }

  /** @return deliveries of one message before it goes to the dead-letter topic */
  public int queueMaxDeliveries() {
    return queueMaxDeliveries;
  }

  /**
   * @return how many Raft groups hold the embedded queue's topics (a topic goes to one by the
   *     hash ring; each group's preferred leader is a different member, so with as many groups as
   *     members every member leads one)
   */
  public int queueGroups() {
    return queueGroups;
  }

  /**
   * @return how many Raft groups hold the cache's main memory on embedded storage (an address
   *     goes to one by the hash ring; Raft group ids from 200); unused with {@code REDIS_URL}
   */
  public int cacheGroups() {
    return cacheGroups;
  }

  /** @return the most messages one topic holds before publishes are refused */
  public int queueMaxDepth() {
    return queueMaxDepth;
  }

  /** @return the queue's age limit in milliseconds, 0 for none */
  public long queueMaxAgeMillis() {
    return queueMaxAgeMillis;
  }

  /** @return the bounds on topics, groups per topic, consumers per group, pending per group */
  public io.synod.queue.QueueLimits queueLimits() {
    return queueLimits;
  }

  /** @return the lease of a lock acquired without a session or TTL, in milliseconds */
  public long lockDefaultTtlMillis() {
    return lockDefaultTtlMillis;
  }

  /**
   * @return most lock resources with holders or waiters at once (429 {@code limit_reached} past
   *     it); equal on every node, since the lock table's replicas decide refusals with it
   */
  public int lockMaxResources() {
    return lockMaxResources;
  }

  /** @return most open lock sessions at once (429 past it); equal on every node */
  public int lockMaxSessions() {
    return lockMaxSessions;
  }

  /** @return the largest request body accepted, in bytes */
  public int maxBodyBytes() {
    return maxBodyBytes;
  }

  /** @return the longest resource, topic, group or address name accepted, in characters */
  public int maxKeyLength() {
    return maxKeyLength;
  }

  /** @return how long a graceful shutdown waits for in-flight requests, in milliseconds */
  public int shutdownTimeoutMillis() {
    return shutdownTimeoutMillis;
  }

  /** @return every setting's resolved value by name */
  /**
   * The cluster secret's authenticator, one per node: it signs this node's requests to its peers
   * and verifies theirs (so it holds this node's replay table).
   *
   * @return the authenticator, or null when {@code CLUSTER_SECRET} is unset
   */
  public ClusterAuth clusterAuth() {
    return clusterAuth;
  }

  /** @return whether {@code INSECURE} allows several members without a cluster secret */
  public boolean insecure() {
    return insecure;
  }

  /** @return the configured API keys; {@link ApiKeys#isEmpty()} when none (no client auth) */
  public ApiKeys apiKeys() {
    return apiKeys;
  }

  /**
   * Whether this node's internal routes are open to anyone who can reach the port: several
   * members and no cluster secret.
   *
   * @return true when peers are unauthenticated
   */
  public boolean peersUnauthenticated() {
    return clusterAuth == null && !peersMutualTls() && peers.size() > 1;
  }

  /**
   * Whether peers authenticate each other by certificates: TLS with {@code TLS_CA} and
   * {@code TLS_CLIENT_AUTH=require}, so every connection to this node presents a certificate
   * from the cluster's CA (clients included).
   *
   * @return true for mutual TLS
   */
  public boolean peersMutualTls() {
    return serverTls != null && tlsClientAuth == Tls.ClientCertificates.REQUIRE;
  }

  /** @return the server TLS context, or null for plain HTTP */
  public io.netty.handler.ssl.SslContext serverTls() {
    return serverTls;
  }

  /**
   * Options for a client to other members: signed with the cluster secret when there is one,
   * over TLS (presenting this node's certificate) when TLS is on.
   *
   * @param base the transport's recommended options
   * @return the options
   */
  public HttpClientOptions peerClientOptions(HttpClientOptions base) {
    return base.mutate().clusterAuth(clusterAuth).sslContext(peerTls).build();
  }

  /** @return the largest body of a request to {@code /internal/...} (peer traffic) */
  public int maxInternalBodyBytes() {
    return maxInternalBodyBytes;
  }

  /** @return the longest request line; longer answers 414 */
  public int maxUrlBytes() {
    return maxUrlBytes;
  }

  /** @return the largest size of a request's headers; larger answers 431 */
  public int maxHeaderBytes() {
    return maxHeaderBytes;
  }

  /** @return the most header lines of a request; more answers 431 */
  public int maxHeaderCount() {
    return maxHeaderCount;
  }

  /** @return how long a client may take to send one request (slowloris); slower answers 408 */
  public int requestTimeoutMillis() {
    return requestTimeoutMillis;
  }

  /** @return how long a connection with nothing in flight stays open */
  public int idleTimeoutMillis() {
    return idleTimeoutMillis;
  }

  /** @return the most requests in flight on this node; more answer 429 */
  public int maxInFlightRequests() {
    return maxInFlightRequests;
  }

  /** @return the largest cache value, in bytes of JSON; larger answers 413 */
  public int maxCacheValueBytes() {
    return maxCacheValueBytes;
  }

  public Map<String, String> values() {
    return resolved;
  }
}
