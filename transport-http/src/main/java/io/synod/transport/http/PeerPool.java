package io.synod.transport.http;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connections, waiting requests and reachability of one peer. Every field is confined to
 * {@link #loop}; other threads only enter through {@link #submit} and {@link #shutdown}.
 */
final class PeerPool {
  private static final Logger LOG = LoggerFactory.getLogger(HttpClientPool.class);
  /** Background reconnects stop after this long without a request; the next request retries. */
  private static final long PROBE_WHILE_USED_NANOS = TimeUnit.SECONDS.toNanos(60);
  /** The shortest TLS handshake timeout (Netty's default); longer when requests may take longer. */
  private static final long HANDSHAKE_TIMEOUT_MIN_MILLIS = 10_000;

  private final HttpClientPool pool;
  private final HttpClientOptions options;
  private final String host;
  private final int port;
  private final String peer;
  private final EventLoop loop;
  private final Bootstrap bootstrap;

  private final List<Conn> conns = new ArrayList<>();
  private final ArrayDeque<Call> waiting = new ArrayDeque<>();
  private int connecting;
  private boolean reachable = true;
  private long unreachableSinceNanos;
  private int failedConnects;
  private long backoffNanos;
  private long retryAtNanos;
  private long lastUsedNanos;
  private Throwable lastCause;
  private ScheduledFuture<?> probe;
  private volatile boolean reachableView = true;
  private volatile int openView;

  PeerPool(HttpClientPool pool, String host, int port, EventLoop loop) {
    this.pool = pool;
    this.options = pool.options();
    this.host = host;
    this.port = port;
    this.peer = host + ":" + port;
    this.loop = loop;
    this.backoffNanos = options.backoffInitial().toNanos();
    this.bootstrap =
        new Bootstrap()
            .group(loop)
            .channel(pool.eventLoops().channelClass())
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.SO_KEEPALIVE, true)
            .option(
                ChannelOption.CONNECT_TIMEOUT_MILLIS,
                (int) Math.min(Integer.MAX_VALUE, options.connectTimeout().toMillis()))
            .handler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    if (options.sslContext() != null) {
                      io.netty.handler.ssl.SslHandler tls =
                          options.sslContext().newHandler(ch.alloc(), host, port);
                      tls.setHandshakeTimeoutMillis(
                          Math.max(HANDSHAKE_TIMEOUT_MIN_MILLIS, options.requestTimeout().toMillis()));
                      ch.pipeline().addLast(tls);
                    }
                    ch.pipeline()
                        .addLast(
                            new IdleStateHandler(
                                0, 0, options.idleTimeout().toMillis(), TimeUnit.MILLISECONDS))
                        .addLast(new HttpClientCodec())
                        .addLast(new HttpObjectAggregator(options.maxResponseBytes()))
                        .addLast(new Conn(ch));
                  }
                });
  }

  boolean reachableView() {
    return reachableView;
  }

  int openView() {
    return openView;
  }

  /** Entry point from any thread. */
  void submit(Call call) {
    try {
      loop.execute(() -> dispatch(call));
    } catch (RejectedExecutionException e) {
      call.future.completeExceptionally(new IllegalStateException("client pool is closed", e));
    }
  }

  private void dispatch(Call call) {
    if (call.future.isDone()) {
      return;
    }
    if (call.timer == null) {
      Duration timeout =
          call.request.timeout() != null ? call.request.timeout() : options.requestTimeout();
      call.timer = loop.schedule(() -> onTimeout(call, timeout), timeout.toNanos(), TimeUnit.NANOSECONDS);
    }
    if (pool.isClosed()) {
      fail(call, new IllegalStateException("client pool is closed"));
      return;
    }
    long now = System.nanoTime();
    lastUsedNanos = now;
    if (!reachable && now - retryAtNanos < 0 && connecting == 0) {
      fail(call, new PeerUnreachableException(peer, lastCause));
      return;
    }
    Conn conn = pick();
    if (conn != null) {
      conn.send(call);
      return;
    }
    if (waiting.size() >= options.maxPendingPerPeer()) {
      fail(
          call,
          new RejectedExecutionException(
              "more than " + options.maxPendingPerPeer() + " requests waiting for " + peer));
      return;
    }
    waiting.add(call);
    maybeConnect();
  }

  private Conn pick() {
    Conn best = null;
    for (Conn c : conns) {
      if (c.active
          && c.inflight.size() < options.maxPipelinedPerConnection()
          && (best == null || c.inflight.size() < best.inflight.size())) {
        best = c;
      }
    }
    return best;
  }

  private void maybeConnect() {
    int perConn = options.maxPipelinedPerConnection();
    int needed = (waiting.size() + perConn - 1) / perConn;
    while (connecting < needed && conns.size() + connecting < options.maxConnectionsPerPeer()) {
      connect();
    }
  }

  private void connect() {
    connecting++;
    ChannelFuture f = bootstrap.connect(host, port);
    f.addListener(ignored -> {
      io.netty.handler.ssl.SslHandler ssl =
          f.isSuccess() ? f.channel().pipeline().get(io.netty.handler.ssl.SslHandler.class) : null;
      if (ssl == null) {
        onConnect(f);
        return;
      }
      // A TLS connection takes requests only once its handshake is done (on this loop): a
      // request that times out meanwhile then fails alone instead of closing the connection
      // mid-handshake, which under load made every handshake start over.
      ssl.handshakeFuture().addListener(h -> onConnect(h.isSuccess()
          ? f : f.channel().newFailedFuture(h.cause())));
    });
  }

  private void onConnect(ChannelFuture f) {
    connecting--;
    if (f.isSuccess()) {
      Conn conn = f.channel().pipeline().get(Conn.class);
      if (pool.isClosed() || conn == null || !f.channel().isActive()) {
        f.channel().close();
        failWaitingIfIdle(new ConnectionLostException("connection to " + peer + " closed"));
        return;
      }
      conns.add(conn);
      openView = conns.size();
      pool.connectionOpened();
      if (!reachable) {
        LOG.info(
            "peer {} is reachable again after {} failed connect attempts ({} ms unreachable)",
            peer,
            failedConnects,
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - unreachableSinceNanos));
        pool.notifyReachable(peer);
      }
      reachable = true;
      reachableView = true;
      failedConnects = 0;
      backoffNanos = options.backoffInitial().toNanos();
      lastCause = null;
      if (probe != null) {
        probe.cancel(false);
        probe = null;
      }
      drainWaiting();
      return;
    }
    failedConnects++;
    lastCause = f.cause();
    if (!conns.isEmpty()) {
      // Other connections still work: the peer is up, this socket just did not open.
      drainWaiting();
      return;
    }
    long now = System.nanoTime();
    if (reachable) {
      reachable = false;
      reachableView = false;
      unreachableSinceNanos = now;
      backoffNanos = options.backoffInitial().toNanos();
      LOG.warn(
          "peer {} is unreachable ({}); requests to it fail fast while reconnecting with backoff"
              + " up to {} ms",
          peer,
          f.cause() == null ? "connect failed" : String.valueOf(f.cause().getMessage()),
          options.backoffMax().toMillis());
      pool.notifyUnreachable(peer, f.cause());
    } else {
      backoffNanos = Math.min(backoffNanos * 2, options.backoffMax().toNanos());
    }
    retryAtNanos = now + backoffNanos;
    failWaiting(new PeerUnreachableException(peer, f.cause()));
    scheduleProbe();
  }

  private void scheduleProbe() {
    if (pool.isClosed() || probe != null) {
      return;
    }
    probe =
        loop.schedule(
            () -> {
              probe = null;
              boolean recentlyUsed = System.nanoTime() - lastUsedNanos < PROBE_WHILE_USED_NANOS;
              if (!pool.isClosed() && !reachable && connecting == 0 && conns.isEmpty()
                  && (recentlyUsed || !waiting.isEmpty())) {
                connect();
              }
            },
            backoffNanos,
            TimeUnit.NANOSECONDS);
  }

  private void drainWaiting() {
    while (!waiting.isEmpty()) {
      Call call = waiting.peek();
      if (call.future.isDone()) {
        waiting.poll();
        continue;
      }
      Conn conn = pick();
      if (conn == null) {
        break;
      }
      waiting.poll();
      conn.send(call);
    }
    if (!waiting.isEmpty()) {
      maybeConnect();
    }
  }

  private void failWaiting(Throwable cause) {
    Call call;
    while ((call = waiting.poll()) != null) {
      fail(call, cause);
    }
  }

  private void failWaitingIfIdle(Throwable cause) {
    if (conns.isEmpty() && connecting == 0) {
      failWaiting(cause);
    }
  }

  private void onTimeout(Call call, Duration timeout) {
    if (call.future.isDone()) {
      return;
    }
    waiting.remove(call);
    fail(
        call,
        new TimeoutException(
            "no response from " + peer + " to " + call.request + " within " + timeout.toMillis()
                + " ms"));
    if (call.conn != null) {
      // Responses on this connection can no longer be matched to requests.
      call.conn.channel.close();
    }
  }

  private void onConnClosed(Conn conn) {
    conns.remove(conn);
    openView = conns.size();
    Call call;
    while ((call = conn.inflight.poll()) != null) {
      call.conn = null;
      if (call.future.isDone()) {
        continue;
      }
      if (call.attempts == 1 && call.request.isIdempotent() && !pool.isClosed()) {
        dispatch(call);
      } else {
        fail(
            call,
            new ConnectionLostException(
                "connection to " + peer + " closed before the response to " + call.request));
      }
    }
    if (!waiting.isEmpty()) {
      if (pool.isClosed()) {
        failWaiting(new IllegalStateException("client pool is closed"));
      } else {
        maybeConnect();
      }
    }
  }

  CompletableFuture<Void> shutdown() {
    CompletableFuture<Void> done = new CompletableFuture<>();
    try {
      loop.execute(
          () -> {
            if (probe != null) {
              probe.cancel(false);
              probe = null;
            }
            failWaiting(new IllegalStateException("client pool is closed"));
            List<CompletableFuture<Void>> closes = new ArrayList<>();
            for (Conn c : new ArrayList<>(conns)) {
              CompletableFuture<Void> cf = new CompletableFuture<>();
              c.channel.close().addListener(x -> cf.complete(null));
              closes.add(cf);
            }
            CompletableFuture.allOf(closes.toArray(new CompletableFuture<?>[0]))
                .whenComplete((v, e) -> done.complete(null));
          });
    } catch (RejectedExecutionException e) {
      done.complete(null);
    }
    return done;
  }

  private static void fail(Call call, Throwable cause) {
    if (call.timer != null) {
      call.timer.cancel(false);
    }
    call.future.completeExceptionally(cause);
  }

  private static void complete(Call call, HttpResponse response) {
    if (call.timer != null) {
      call.timer.cancel(false);
    }
    call.future.complete(response);
  }

  /** One request and its future. */
  static final class Call {
    final ClientRequest request;
    final CompletableFuture<HttpResponse> future;
    ScheduledFuture<?> timer;
    Conn conn;
    int attempts;

    Call(ClientRequest request, CompletableFuture<HttpResponse> future) {
      this.request = request;
      this.future = future;
    }
  }

  /** One pooled connection; matches responses to requests in FIFO order. */
  final class Conn extends SimpleChannelInboundHandler<FullHttpResponse> {
    final Channel channel;
    final ArrayDeque<Call> inflight = new ArrayDeque<>();
    boolean active = true;
    /** Signs this connection's requests as one replay stream; null when unsigned. */
    final ClusterAuth.Sender signer;

    Conn(Channel channel) {
      this.channel = channel;
      this.signer = options.clusterAuth() == null ? null : options.clusterAuth().sender();
    }

    void send(Call call) {
      call.attempts++;
      call.conn = this;
      inflight.add(call);
      ClientRequest r = call.request;
      FullHttpRequest req =
          new DefaultFullHttpRequest(
              HttpVersion.HTTP_1_1,
              HttpMethod.valueOf(r.method()),
              r.target(),
              Unpooled.wrappedBuffer(r.body()));
      req.headers().set(HttpHeaderNames.HOST, peer);
      for (Map.Entry<String, String> e : r.headers().entrySet()) {
        req.headers().set(e.getKey(), e.getValue());
      }
      if (r.contentType() != null) {
        req.headers().set(HttpHeaderNames.CONTENT_TYPE, r.contentType());
      }
      req.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, r.body().length);
      if (signer != null) {
        // signed here, on the connection's loop, in the order written: the receiver's replay
        // window then sees this stream's counters nearly in order
        for (Map.Entry<String, String> e : signer.sign(r.method(), r.target(), r.body()).entrySet()) {
          req.headers().set(e.getKey(), e.getValue());
        }
      }
      channel
          .writeAndFlush(req)
          .addListener(
              f -> {
                if (!f.isSuccess()) {
                  channel.close();
                }
              });
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse msg) {
      Call call = inflight.poll();
      if (call == null) {
        LOG.debug("unsolicited response from {}; closing the connection", peer);
        active = false;
        ctx.close();
        return;
      }
      call.conn = null;
      if (msg.decoderResult().isFailure()) {
        active = false;
        fail(call, new ConnectionLostException(
            "malformed response from " + peer + ": " + msg.decoderResult().cause()));
        ctx.close();
        return;
      }
      Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
      for (Map.Entry<String, String> e : msg.headers()) {
        headers.merge(e.getKey(), e.getValue(), (a, b) -> a + ", " + b);
      }
      HttpResponse response =
          HttpResponse.received(msg.status().code(), headers, ByteBufUtil.getBytes(msg.content()));
      boolean keepAlive = HttpUtil.isKeepAlive(msg);
      if (!keepAlive) {
        active = false;
      }
      complete(call, response);
      if (!keepAlive) {
        ctx.close();
      } else {
        drainWaiting();
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
      active = false;
      onConnClosed(this);
      super.channelInactive(ctx);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
      if (evt instanceof IdleStateEvent && inflight.isEmpty()) {
        active = false;
        ctx.close();
        return;
      }
      super.userEventTriggered(ctx, evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      LOG.debug("connection to {} failed: {}", peer, cause.toString());
      active = false;
      ctx.close();
    }
  }
}
