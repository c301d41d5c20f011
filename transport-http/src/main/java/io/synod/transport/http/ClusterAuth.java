package io.synod.transport.http;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Peer authentication with a shared cluster secret: every request a member sends to another
 * member's {@code /internal/...} routes carries an HMAC-SHA256 over its method, request target,
 * timestamp, nonce and body, and the receiver refuses (401) anything unsigned, wrongly signed,
 * stale or replayed <em>before</em> a handler decodes its body.
 *
 * <h2>What is signed</h2>
 * The MAC input is {@code METHOD \n target \n timestamp \n nonce \n body}, where the target is
 * the request target exactly as sent (path and query) and the timestamp is the sender's wall
 * clock in milliseconds. Three headers carry it: {@link #TIMESTAMP_HEADER}, {@link #NONCE_HEADER}
 * and {@link #SIGNATURE_HEADER} (base64url, no padding).
 *
 * <h2>Replay</h2>
 * A request whose timestamp is more than {@link #window()} away from the receiver's clock is
 * stale. Within the window a nonce is {@code <stream>.<counter>}: each client connection
 * ({@link Sender}) draws a random 64-bit stream id and numbers its requests 0, 1, 2, ...; the
 * receiver keeps, per stream, the highest counter seen and a bitmap of the {@link
 * #REPLAY_BITMAP_BITS} below it, as IPsec's anti-replay window does (RFC 4303, section 3.4.3), so a
 * repeated nonce is refused however the requests interleave, in constant memory per stream. A
 * stream not heard from for twice the window is forgotten: any request of it is stale by then.
 * Only correctly signed requests reach the replay check, so without the secret nobody can grow
 * the stream table.
 *
 * <p>Thread-safe. The wall clock is injected ({@link Clock}) so tests can move it.
 */
public final class ClusterAuth {
  /** Header carrying the sender's clock reading, milliseconds since the epoch. */
  public static final String TIMESTAMP_HEADER = "X-Synod-Timestamp";
  /** Header carrying {@code <stream hex>.<counter>}. */
  public static final String NONCE_HEADER = "X-Synod-Nonce";
  /** Header carrying the base64url HMAC-SHA256. */
  public static final String SIGNATURE_HEADER = "X-Synod-Signature";
  /** The path prefix of the routes only members may call. */
  public static final String INTERNAL_PREFIX = "/internal/";
  /** Default replay window: how far a timestamp may be from the receiver's clock. */
  public static final Duration DEFAULT_WINDOW = Duration.ofSeconds(30);
  /** The smallest secret accepted, in bytes of its UTF-8 form. */
  public static final int MIN_SECRET_BYTES = 16;
  /** How many counters below the highest one each stream remembers. */
  public static final int REPLAY_BITMAP_BITS = 4096;
  /** The most client streams remembered at once (each is a few hundred bytes). */
  public static final int MAX_STREAMS = 65_536;

  private static final String ALGORITHM = "HmacSHA256";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final SecretKeySpec key;
  private final Duration window;
  private final Clock clock;
  private final ThreadLocal<Mac> macs;
  private final ConcurrentHashMap<Long, Stream> streams = new ConcurrentHashMap<>();
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong verifiedCount = new AtomicLong();

  private ClusterAuth(byte[] secret, Duration window, Clock clock) {
    this.key = new SecretKeySpec(secret, ALGORITHM);
    this.window = window;
    this.clock = clock;
    this.macs = ThreadLocal.withInitial(this::newMac);
  }

  /**
   * Authentication with the default window on the system clock.
   *
   * @param secret the cluster secret, at least {@link #MIN_SECRET_BYTES} bytes of UTF-8
   * @return the authenticator
   * @throws IllegalArgumentException when the secret is too short
   */
  public static ClusterAuth create(String secret) {
    return create(secret, DEFAULT_WINDOW, Clock.systemUTC());
  }

  /**
   * Authentication with a given window and clock.
   *
   * @param secret the cluster secret, at least {@link #MIN_SECRET_BYTES} bytes of UTF-8
   * @param window how far a timestamp may be from this node's clock, positive
   * @param clock the wall clock
   * @return the authenticator
   * @throws IllegalArgumentException when the secret is too short or the window not positive
   */
  public static ClusterAuth create(String secret, Duration window, Clock clock) {
    Objects.requireNonNull(secret, "secret");
    byte[] bytes = secret.getBytes(StandardCharsets.UTF_8);
    if (bytes.length < MIN_SECRET_BYTES) {
      throw new IllegalArgumentException(
          "cluster secret must have at least " + MIN_SECRET_BYTES + " bytes");
    }
    if (window.isNegative() || window.isZero()) {
      throw new IllegalArgumentException("window must be positive");
    }
    return new ClusterAuth(bytes, window, Objects.requireNonNull(clock, "clock"));
  }

  /**
   * Makes a fresh random secret (32 random bytes, base64url), for example for a development
   * cluster.
   *
   * @return the secret
   */
  public static String generateSecret() {
    byte[] b = new byte[32];
    RANDOM.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  /** @return the replay window */
  public Duration window() {
    return window;
  }

  /** @return how many requests were refused since creation */
  public long refusedCount() {
    return refused.get();
  }

  /** @return how many requests were verified since creation */
  public long verifiedCount() {
    return verifiedCount.get();
  }

  /**
   * Starts a new signing stream, one per client connection: its requests are numbered in the
   * order they are signed.
   *
   * @return the stream's signer; not thread-safe (a connection signs on its own event loop)
   */
  public Sender sender() {
    return new Sender(RANDOM.nextLong());
  }

  /**
   * A server filter refusing every {@code /internal/...} request that does not verify; every
   * other path passes.
   *
   * @return the filter
   */
  public RequestFilter internalRoutesFilter() {
    return request -> request.path().startsWith(INTERNAL_PREFIX) ? verify(request) : null;
  }

  /**
   * Verifies a request: the signature, the timestamp against the window, and the nonce against
   * the replay bitmap of its stream. Reads only headers and body bytes; decodes nothing.
   *
   * @param request the request
   * @return null when it verifies; otherwise the 401 answer to send (and the refusal is counted)
   */
  public HttpResponse verify(HttpRequestView request) {
    String ts = request.header(TIMESTAMP_HEADER);
    String nonce = request.header(NONCE_HEADER);
    String sig = request.header(SIGNATURE_HEADER);
    if (ts == null || nonce == null || sig == null) {
      return refuse("unsigned", "internal routes take only requests signed with the cluster secret");
    }
    long timestamp;
    long streamId;
    long counter;
    byte[] given;
    try {
      timestamp = Long.parseLong(ts);
      int dot = nonce.indexOf('.');
      if (dot <= 0) {
        throw new NumberFormatException("nonce");
      }
      streamId = Long.parseUnsignedLong(nonce.substring(0, dot), 16);
      counter = Long.parseLong(nonce.substring(dot + 1));
      if (counter < 0) {
        throw new NumberFormatException("counter");
      }
      given = Base64.getUrlDecoder().decode(sig);
    } catch (IllegalArgumentException e) {
      return refuse("bad_signature", "malformed authentication headers");
    }
    byte[] expected = mac(request.method(), request.uri(), ts, nonce, request.body());
    if (!MessageDigest.isEqual(expected, given)) {
      return refuse("bad_signature", "the signature does not match the cluster secret");
    }
    long now = clock.millis();
    if (Math.abs(now - timestamp) > window.toMillis()) {
      return refuse("stale_request",
          "timestamp is " + (now - timestamp) + " ms from this node's clock (window "
              + window.toMillis() + " ms)");
    }
    Stream stream = streams.get(streamId);
    if (stream == null) {
      if (streams.size() >= MAX_STREAMS) {
        forgetQuietStreams(now);
      }
      if (streams.size() >= MAX_STREAMS) {
        return refuse("replay_table_full", "too many client streams; retry later");
      }
      stream = streams.computeIfAbsent(streamId, id -> new Stream());
    }
    if (!stream.accept(counter, now)) {
      return refuse("replayed_request", "this nonce was already used");
    }
    if ((verifiedCount.incrementAndGet() & 4095) == 0) {
      forgetQuietStreams(now);
    }
    return null;
  }

  private void forgetQuietStreams(long now) {
    long horizon = now - 2 * window.toMillis();
    for (Iterator<Map.Entry<Long, Stream>> it = streams.entrySet().iterator(); it.hasNext(); ) {
      if (it.next().getValue().lastSeenMillis() < horizon) {
        it.remove();
      }
    }
  }

  private HttpResponse refuse(String error, String detail) {
    refused.incrementAndGet();
    return HttpResponse.error(401, error, detail);
  }

  private byte[] mac(String method, String target, String ts, String nonce, byte[] body) {
    Mac mac = macs.get();
    mac.update((method + "\n" + target + "\n" + ts + "\n" + nonce + "\n")
        .getBytes(StandardCharsets.UTF_8));
    return mac.doFinal(body);
  }

  private Mac newMac() {
    try {
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(key);
      return mac;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }

  /** Signs the requests of one client connection; confined to the connection's thread. */
  public final class Sender {
    private final String streamHex;
    private long next;

    private Sender(long streamId) {
      this.streamHex = Long.toHexString(streamId);
    }

    /**
     * Signs one request.
     *
     * @param method the HTTP method as sent
     * @param target the request target as sent (path and query)
     * @param body the body as sent
     * @return the three headers to add
     */
    public Map<String, String> sign(String method, String target, byte[] body) {
      String ts = Long.toString(clock.millis());
      String nonce = streamHex + "." + next++;
      String sig = Base64.getUrlEncoder().withoutPadding()
          .encodeToString(mac(method, target, ts, nonce, body));
      return Map.of(TIMESTAMP_HEADER, ts, NONCE_HEADER, nonce, SIGNATURE_HEADER, sig);
    }
  }

  /** The anti-replay state of one client stream. */
  private static final class Stream {
    private final long[] bits = new long[REPLAY_BITMAP_BITS / 64];
    private long highest = -1;
    private volatile long lastSeen;

    synchronized boolean accept(long counter, long now) {
      if (counter > highest) {
        long gap = counter - highest;
        if (gap >= REPLAY_BITMAP_BITS) {
          java.util.Arrays.fill(bits, 0L);
        } else {
          for (long c = highest + 1; c < counter; c++) {
            clear(c);
          }
        }
        highest = counter;
        set(counter);
        lastSeen = now;
        return true;
      }
      if (highest - counter >= REPLAY_BITMAP_BITS || isSet(counter)) {
        // too old to tell apart from a replay, or a replay
        return false;
      }
      set(counter);
      lastSeen = now;
      return true;
    }

    long lastSeenMillis() {
      return lastSeen;
    }

    private void set(long c) {
      int i = (int) (c % REPLAY_BITMAP_BITS);
      bits[i >>> 6] |= 1L << (i & 63);
    }

    private void clear(long c) {
      int i = (int) (c % REPLAY_BITMAP_BITS);
      bits[i >>> 6] &= ~(1L << (i & 63));
    }

    private boolean isSet(long c) {
      int i = (int) (c % REPLAY_BITMAP_BITS);
      return (bits[i >>> 6] & (1L << (i & 63))) != 0;
    }
  }
}
