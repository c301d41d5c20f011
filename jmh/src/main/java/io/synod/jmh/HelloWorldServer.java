package io.synod.jmh;

import io.synod.transport.http.EventLoops;
import io.synod.transport.http.HttpServer;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The plainest possible Netty HTTP server: every request, whatever its method and path, gets a
 * 13-byte {@code Hello, World!} with no routing, aggregation or JSON. It is the ceiling against
 * which {@link HttpServer} and the node's REST API are measured.
 *
 * <p>A benchmark baseline, not a product class, so it ships in the benchmark jar only. Run:
 * {@code java -cp jmh/target/benchmarks.jar io.synod.jmh.HelloWorldServer [port]} (default port
 * 8080); {@code docs/perf/cluster.sh} starts it so.
 */
public final class HelloWorldServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HelloWorldServer.class);
  private static final byte[] BODY = "Hello, World!".getBytes(StandardCharsets.US_ASCII);

  private final EventLoops loops;
  private final boolean ownsLoops;
  private final Channel channel;

  private HelloWorldServer(EventLoops loops, boolean ownsLoops, Channel channel) {
    this.loops = loops;
    this.ownsLoops = ownsLoops;
    this.channel = channel;
  }

  /**
   * Starts a server. Blocks until bound.
   *
   * @param host interface to bind
   * @param port port, 0 for a free one
   * @param shared event loops to run on, or null to create them
   * @return the running server
   */
  public static HelloWorldServer start(String host, int port, EventLoops shared) {
    EventLoops loops = shared != null ? shared : EventLoops.create("hello-world");
    Channel ch =
        new ServerBootstrap()
            .group(loops.group())
            .channel(loops.serverChannelClass())
            .option(ChannelOption.SO_REUSEADDR, true)
            .option(ChannelOption.SO_BACKLOG, 1024)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel c) {
                    c.pipeline().addLast(new HttpServerCodec()).addLast(new Hello());
                  }
                })
            .bind(host, port)
            .syncUninterruptibly()
            .channel();
    return new HelloWorldServer(loops, shared == null, ch);
  }

  /**
   * Returns the bound port.
   *
   * @return the port
   */
  public int port() {
    return ((java.net.InetSocketAddress) channel.localAddress()).getPort();
  }

  @Override
  public void close() {
    channel.close().syncUninterruptibly();
    if (ownsLoops) {
      loops.close();
    }
  }

  /**
   * Runs the server until the process is stopped.
   *
   * @param args optional port
   */
  public static void main(String[] args) {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 8080;
    HelloWorldServer server = start("0.0.0.0", port, null);
    LOG.info("hello-world server on port {}", server.port());
    Runtime.getRuntime().addShutdownHook(new Thread(server::close, "hello-world-shutdown"));
    server.channel.closeFuture().syncUninterruptibly();
  }

  private static final class Hello extends SimpleChannelInboundHandler<HttpObject> {
    private boolean keepAlive;

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
      if (msg instanceof HttpRequest) {
        keepAlive = HttpUtil.isKeepAlive((HttpRequest) msg);
      }
      if (msg instanceof LastHttpContent) {
        FullHttpResponse r =
            new DefaultFullHttpResponse(
                io.netty.handler.codec.http.HttpVersion.HTTP_1_1,
                HttpResponseStatus.OK,
                Unpooled.wrappedBuffer(BODY));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN);
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, BODY.length);
        if (keepAlive) {
          ctx.write(r);
        } else {
          r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
          ctx.write(r).addListener(ChannelFutureListener.CLOSE);
        }
      }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      ctx.flush();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
