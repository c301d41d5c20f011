package io.synod.transport.http;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpMessage;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.IdleStateEvent;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The per-connection pipeline handlers of {@link HttpServer}. */
final class ServerHandlers {
  private static final Logger LOG = LoggerFactory.getLogger(HttpServer.class);

  private ServerHandlers() {}

  static HttpResponse tooLarge(int maxBodyBytes) {
    return HttpResponse.error(
        413, "payload_too_large", "request body exceeds the limit of " + maxBodyBytes + " bytes");
  }

  /** How long a closing connection keeps draining what its client still sends. */
  static final long LINGER_MILLIS = 2_000;

  /**
   * Closes a connection after its last response without losing that response: closing a socket
   * whose client is still sending (the rest of a refused body, pipelined requests) makes the
   * kernel answer with a reset, and the client may then never read the response. So the output
   * is shut down first (the client sees the response and then end of stream), the input is read
   * and dropped until the client closes, and the socket is closed after {@link #LINGER_MILLIS} at
   * the latest (as Apache's lingering close does).
   */
  static void lingeringClose(io.netty.channel.Channel ch) {
    if (ch instanceof io.netty.channel.socket.DuplexChannel d && ch.isActive()) {
      d.shutdownOutput().addListener(f -> {
        if (ch.isActive()) {
          ch.eventLoop().schedule(() -> ch.close(), LINGER_MILLIS,
              java.util.concurrent.TimeUnit.MILLISECONDS);
        }
      });
    } else {
      ch.close();
    }
  }

  /** Converts a response to Netty's form. */
  static FullHttpResponse toNetty(HttpResponse response, HttpVersion version) {
    FullHttpResponse r =
        new DefaultFullHttpResponse(
            version,
            HttpResponseStatus.valueOf(response.status()),
            Unpooled.wrappedBuffer(response.body()));
    HttpHeaders h = r.headers();
    for (Map.Entry<String, String> e : response.headers().entrySet()) {
      h.set(e.getKey(), e.getValue());
    }
    if (response.contentType() != null) {
      h.set(HttpHeaderNames.CONTENT_TYPE, response.contentType());
    }
    h.setInt(HttpHeaderNames.CONTENT_LENGTH, response.body().length);
    return r;
  }

  /**
   * Aggregates bodies and answers an oversized one with the JSON 413 instead of Netty's empty
   * one. The limit depends on the route: requests to {@code /internal/...} (peer traffic) may be
   * larger than public ones. A declared Content-Length over the request's limit is refused before
   * the body is read; a chunked body is bounded by the larger limit here and checked against its
   * own by {@link Dispatch}.
   */
  static final class BodyAggregator extends HttpObjectAggregator {
    private final int maxBodyBytes;
    private final int maxInternalBodyBytes;

    BodyAggregator(int maxBodyBytes, int maxInternalBodyBytes) {
      super(Math.max(maxBodyBytes, maxInternalBodyBytes));
      this.maxBodyBytes = maxBodyBytes;
      this.maxInternalBodyBytes = maxInternalBodyBytes;
    }

    int limitFor(HttpMessage start) {
      return start instanceof HttpRequest r && isInternal(r.uri()) ? maxInternalBodyBytes
          : maxBodyBytes;
    }

    @Override
    protected boolean isContentLengthInvalid(HttpMessage start, int maxContentLength) {
      return super.isContentLengthInvalid(start, Math.min(maxContentLength, limitFor(start)));
    }

    /**
     * A client that sends {@code Expect: 100-continue} with a too-large Content-Length (curl
     * does for bodies over 1 MiB) is refused before it sends the body; Netty answers that with
     * an empty 413, so give it the same JSON error as every other refusal.
     */
    @Override
    protected Object newContinueResponse(
        HttpMessage start, int maxContentLength, io.netty.channel.ChannelPipeline pipeline) {
      Object answer = super.newContinueResponse(start, maxContentLength, pipeline);
      if (answer instanceof io.netty.handler.codec.http.HttpResponse r
          && r.status().code() == 413) {
        io.netty.util.ReferenceCountUtil.release(answer);
        return toNetty(tooLarge(limitFor(start)), start.protocolVersion());
      }
      return answer;
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized)
        throws Exception {
      if (!(oversized instanceof HttpRequest)) {
        super.handleOversizedMessage(ctx, oversized);
        return;
      }
      // As Netty does: when the client already sent (part of) the body and will not keep the
      // connection, close it after the answer; otherwise the aggregator discards the rest of the
      // body and the connection stays usable. The answer goes through Dispatch so it keeps its
      // place among pipelined responses.
      boolean keep =
          !(oversized instanceof FullHttpMessage)
              && (HttpUtil.is100ContinueExpected(oversized) || HttpUtil.isKeepAlive(oversized));
      ctx.fireChannelRead(new Oversized(oversized.protocolVersion(), keep, limitFor(oversized)));
    }
  }

  static boolean isInternal(String uri) {
    return uri.startsWith(ClusterAuth.INTERNAL_PREFIX);
  }

  /** Stands for a request its client took too long to send (see {@link SlowRequestGuard}). */
  static final class SlowRequest {
    static final SlowRequest INSTANCE = new SlowRequest();
  }

  /**
   * Bounds the time a client takes to send one request (slowloris): armed by the first byte
   * read while no request is in progress, disarmed by {@link Dispatch} when the request is
   * complete. When it fires, the request is answered 408 in its place among pipelined responses
   * and everything the client sends afterwards is dropped until the connection closes. Time
   * while the server itself paused reading (pipelining back-pressure) does not count against
   * the client.
   */
  static final class SlowRequestGuard extends io.netty.channel.ChannelInboundHandlerAdapter {
    private final long timeoutNanos;
    private io.netty.util.concurrent.ScheduledFuture<?> timer;
    private boolean expired;

    SlowRequestGuard(java.time.Duration timeout) {
      this.timeoutNanos = timeout.toNanos();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (expired) {
        io.netty.util.ReferenceCountUtil.release(msg);
        return;
      }
      if (timer == null && msg instanceof io.netty.buffer.ByteBuf b && b.isReadable()) {
        arm(ctx);
      }
      ctx.fireChannelRead(msg);
    }

    private void arm(ChannelHandlerContext ctx) {
      timer = ctx.executor().schedule(() -> fire(ctx), timeoutNanos,
          java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    private void fire(ChannelHandlerContext ctx) {
      timer = null;
      if (!ctx.channel().isActive()) {
        return;
      }
      if (!ctx.channel().config().isAutoRead()) {
        // the server stopped reading, not the client: wait again
        arm(ctx);
        return;
      }
      expired = true;
      // outside a read: Dispatch flushes what it writes during a read at read-complete
      ctx.fireChannelRead(SlowRequest.INSTANCE);
      ctx.fireChannelReadComplete();
    }

    /** Called by Dispatch, on this channel's loop, for every complete request. */
    void requestComplete() {
      if (timer != null) {
        timer.cancel(false);
        timer = null;
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
      requestComplete();
      super.channelInactive(ctx);
    }
  }

  /** Stands for a request refused as too large, so that Dispatch answers it in order. */
  static final class Oversized {
    final HttpVersion version;
    final boolean keepAlive;
    final int maxBodyBytes;

    Oversized(HttpVersion version, boolean keepAlive, int maxBodyBytes) {
      this.version = version;
      this.keepAlive = keepAlive;
      this.maxBodyBytes = maxBodyBytes;
    }
  }

  /**
   * Routes each aggregated request and writes the responses back in request order. Not
   * sharable: one instance per connection, all state confined to the connection's event loop.
   */
  static final class Dispatch extends SimpleChannelInboundHandler<FullHttpRequest> {
    private final HttpServer server;
    private final TreeMap<Long, Outgoing> ready = new TreeMap<>();
    private long nextSeq;
    private long nextToWrite;
    private int pending;
    private boolean closed;
    private boolean reading;
    private boolean flushPending;
    private SlowRequestGuard guard;

    Dispatch(HttpServer server) {
      this.server = server;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      guard = ctx.pipeline().get(SlowRequestGuard.class);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
      reading = true;
      if (closed) {
        // the connection is closing after a refusal: whatever the client still sends is dropped
        io.netty.util.ReferenceCountUtil.release(msg);
        return;
      }
      if (msg instanceof SlowRequest) {
        long seq = nextSeq++;
        pending++;
        server.requestStarted();
        complete(ctx, seq, HttpResponse.error(408, "request_timeout",
            "the request was not received in time"), false, HttpVersion.HTTP_1_1);
        return;
      }
      if (guard != null && (msg instanceof Oversized || msg instanceof FullHttpRequest)) {
        guard.requestComplete();
      }
      if (msg instanceof Oversized) {
        Oversized o = (Oversized) msg;
        long seq = nextSeq++;
        pending++;
        server.requestStarted();
        complete(
            ctx,
            seq,
            tooLarge(o.maxBodyBytes),
            o.keepAlive,
            o.version);
        return;
      }
      super.channelRead(ctx, msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
      reading = false;
      if (flushPending) {
        flushPending = false;
        ctx.flush();
      }
      super.channelReadComplete(ctx);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
      long seq = nextSeq++;
      pending++;
      server.requestStarted();
      if (pending >= server.maxPipelinedRequests()) {
        ctx.channel().config().setAutoRead(false);
      }
      boolean keepAlive = HttpUtil.isKeepAlive(req);
      HttpVersion version = req.protocolVersion();
      if (req.decoderResult().isFailure()) {
        Throwable cause = req.decoderResult().cause();
        HttpResponse refusal;
        if (cause instanceof io.netty.handler.codec.http.TooLongHttpLineException) {
          refusal = HttpResponse.error(414, "uri_too_long", "the request line is too long");
        } else if (cause instanceof io.netty.handler.codec.http.TooLongHttpHeaderException) {
          refusal = HttpResponse.error(431, "headers_too_large", "the request headers are too large");
        } else {
          refusal = HttpResponse.error(400, "bad_request", "malformed HTTP request: " + cause);
        }
        complete(ctx, seq, refusal, false, version);
        return;
      }
      HttpResponse bounded = checkBounds(req);
      if (bounded != null) {
        complete(ctx, seq, bounded, keepAlive, version);
        return;
      }
      HttpRequestView view;
      try {
        view = toView(req, ctx.channel().remoteAddress());
      } catch (IllegalArgumentException e) {
        complete(
            ctx,
            seq,
            HttpResponse.error(400, "bad_request", "malformed request target: " + e.getMessage()),
            keepAlive,
            version);
        return;
      }
      HttpResponse refused = null;
      for (RequestFilter f : server.filters()) {
        try {
          refused = f.check(view);
        } catch (RuntimeException e) {
          LOG.error("request filter failed on {}", view, e);
          refused = HttpResponse.error(500, "internal_error", "request filter failed");
        }
        if (refused != null) {
          break;
        }
      }
      if (refused != null) {
        complete(ctx, seq, refused, keepAlive, version);
        return;
      }
      CompletionStage<HttpResponse> stage = server.routerForDispatch().dispatch(view);
      stage.whenComplete(
          (resp, err) -> {
            HttpResponse out = toResponse(view, resp, err);
            if (ctx.executor().inEventLoop()) {
              complete(ctx, seq, out, keepAlive, version);
            } else {
              try {
                ctx.executor().execute(() -> complete(ctx, seq, out, keepAlive, version));
              } catch (RejectedExecutionException e) {
                server.requestFinished();
              }
            }
          });
    }

    /** The bounds Netty's codec does not check itself; null when the request is within them. */
    private HttpResponse checkBounds(FullHttpRequest req) {
      if (req.headers().size() > server.maxHeaderCount()) {
        return HttpResponse.error(431, "too_many_headers",
            "a request may have at most " + server.maxHeaderCount() + " headers");
      }
      if (!isInternal(req.uri()) && req.content().readableBytes() > server.maxBodyBytes()) {
        // a chunked body: the aggregator bounds it by the larger, internal limit
        return tooLarge(server.maxBodyBytes());
      }
      if (server.inFlightRequests() > server.maxInFlightRequests()) {
        return HttpResponse.error(429, "overloaded",
            "more than " + server.maxInFlightRequests() + " requests in flight; retry later")
            .withHeader("Retry-After", "1");
      }
      return null;
    }

    private void complete(
        ChannelHandlerContext ctx,
        long seq,
        HttpResponse response,
        boolean keepAlive,
        HttpVersion version) {
      ready.put(seq, new Outgoing(response, keepAlive, version));
      int finished = 0;
      Outgoing o;
      while ((o = ready.remove(nextToWrite)) != null) {
        nextToWrite++;
        pending--;
        finished++;
        if (closed) {
          continue;
        }
        FullHttpResponse r = toNetty(o.response, o.version);
        boolean keep = o.keepAlive && !server.isClosing();
        if (!keep) {
          r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (o.version.equals(HttpVersion.HTTP_1_0)) {
          r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        ChannelFuture f = ctx.write(r);
        if (!keep) {
          f.addListener(done -> lingeringClose(ctx.channel()));
          closed = true;
        }
      }
      if (finished > 0) {
        // Responses produced while reading a burst of pipelined requests share one flush.
        if (reading) {
          flushPending = true;
        } else {
          ctx.flush();
        }
        // Counted only once flushed, so a graceful close never cuts a response short.
        for (int i = 0; i < finished; i++) {
          server.requestFinished();
        }
      }
      if (!closed && pending < server.maxPipelinedRequests() && !ctx.channel().config().isAutoRead()) {
        ctx.channel().config().setAutoRead(true);
      }
    }

    private static HttpResponse toResponse(HttpRequestView view, HttpResponse resp, Throwable err) {
      Throwable cause = err;
      while ((cause instanceof CompletionException || cause instanceof ExecutionException)
          && cause.getCause() != null) {
        cause = cause.getCause();
      }
      if (cause instanceof HttpError) {
        return ((HttpError) cause).toResponse();
      }
      if (cause != null) {
        LOG.error("handler for {} failed", view, cause);
        return HttpResponse.error(500, "internal_error", cause.getClass().getSimpleName()
            + (cause.getMessage() == null ? "" : ": " + cause.getMessage()));
      }
      if (resp == null) {
        LOG.error("handler for {} completed with no response", view);
        return HttpResponse.error(500, "internal_error", "handler returned no response");
      }
      return resp;
    }

    private static HttpRequestView toView(FullHttpRequest req, SocketAddress remote) {
      QueryStringDecoder decoder = new QueryStringDecoder(req.uri());
      String path = decoder.path();
      Map<String, List<String>> query = new LinkedHashMap<>(decoder.parameters());
      Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
      for (Map.Entry<String, String> e : req.headers()) {
        headers.merge(e.getKey(), e.getValue(), (a, b) -> a + ", " + b);
      }
      byte[] body = ByteBufUtil.getBytes(req.content());
      return new HttpRequestView(
          req.method().name(),
          req.uri(),
          path,
          Map.of(),
          query,
          headers,
          body,
          remote instanceof InetSocketAddress ? (InetSocketAddress) remote : null);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
      if (evt instanceof IdleStateEvent && pending == 0) {
        ctx.close();
        return;
      }
      super.userEventTriggered(ctx, evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (cause instanceof IOException) {
        LOG.debug("connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
      } else {
        LOG.warn("connection {} failed", ctx.channel().remoteAddress(), cause);
      }
      closed = true;
      ctx.close();
    }

    private static final class Outgoing {
      final HttpResponse response;
      final boolean keepAlive;
      final HttpVersion version;

      Outgoing(HttpResponse response, boolean keepAlive, HttpVersion version) {
        this.response = response;
        this.keepAlive = keepAlive;
        this.version = version;
      }
    }
  }
}
