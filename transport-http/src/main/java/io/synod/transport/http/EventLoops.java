package io.synod.transport.http;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Netty event loop group and channel classes shared by {@link HttpServer} and
 * {@link HttpClientPool}: native epoll where its classifier jar is on the class path and loads on
 * this machine, NIO otherwise.
 *
 * <p>The choice is made once per instance and logged at INFO with the reason. Setting the system
 * property {@code synod.transport.nio=true} forces NIO. An instance owns its threads: {@link
 * #close()} must be called once every server and client using it has been closed.
 */
public final class EventLoops implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EventLoops.class);

  /** System property that forces the NIO transport even where epoll loads. */
  public static final String FORCE_NIO_PROPERTY = "synod.transport.nio";

  private final EventLoopGroup group;
  private final Class<? extends ServerChannel> serverChannelClass;
  private final Class<? extends Channel> channelClass;
  private final boolean nativeTransport;

  private EventLoops(
      EventLoopGroup group,
      Class<? extends ServerChannel> serverChannelClass,
      Class<? extends Channel> channelClass,
      boolean nativeTransport) {
    this.group = group;
    this.serverChannelClass = serverChannelClass;
    this.channelClass = channelClass;
    this.nativeTransport = nativeTransport;
  }

  /**
   * Creates a group with one thread per available processor.
   *
   * @param name thread name prefix
   * @return a new group; the caller must close it
   */
  public static EventLoops create(String name) {
    return create(name, 0);
  }

  /**
   * Creates a group.
   *
   * @param name thread name prefix
   * @param threads thread count; 0 means Netty's default (twice the processor count)
   * @return a new group; the caller must close it
   */
  public static EventLoops create(String name, int threads) {
    DefaultThreadFactory factory = new DefaultThreadFactory(name, true);
    String unavailable = epollUnavailabilityReason();
    if (unavailable == null) {
      EventLoops loops = EpollHolder.create(threads, factory);
      LOG.info("Netty transport for '{}': native epoll", name);
      return loops;
    }
    LOG.info("Netty transport for '{}': NIO ({})", name, unavailable);
    return new EventLoops(
        new NioEventLoopGroup(threads, factory),
        NioServerSocketChannel.class,
        NioSocketChannel.class,
        false);
  }

  /**
   * Returns null when native epoll can be used, otherwise why it cannot.
   *
   * @return the reason epoll is not used, or null
   */
  public static String epollUnavailabilityReason() {
    if (Boolean.getBoolean(FORCE_NIO_PROPERTY)) {
      return FORCE_NIO_PROPERTY + "=true";
    }
    try {
      Class.forName("io.netty.channel.epoll.Epoll", false, EventLoops.class.getClassLoader());
    } catch (ClassNotFoundException | LinkageError e) {
      return "netty-transport-native-epoll is not on the class path";
    }
    try {
      return EpollHolder.unavailability();
    } catch (LinkageError e) {
      return "epoll classes failed to link: " + e;
    }
  }

  /**
   * Returns the event loop group.
   *
   * @return the group; shared, must not be shut down by users
   */
  public EventLoopGroup group() {
    return group;
  }

  /**
   * Returns the server channel class matching the group.
   *
   * @return the server channel class
   */
  public Class<? extends ServerChannel> serverChannelClass() {
    return serverChannelClass;
  }

  /**
   * Returns the client channel class matching the group.
   *
   * @return the client socket channel class
   */
  public Class<? extends Channel> channelClass() {
    return channelClass;
  }

  /**
   * Tells whether this group runs on native epoll.
   *
   * @return true for epoll, false for NIO
   */
  public boolean isNative() {
    return nativeTransport;
  }

  /** Shuts the threads down, waiting up to a few seconds for queued tasks. */
  @Override
  public void close() {
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
  }

  /** Kept apart so that epoll classes are loaded only once they are known to be present. */
  private static final class EpollHolder {
    static String unavailability() {
      if (io.netty.channel.epoll.Epoll.isAvailable()) {
        return null;
      }
      return "epoll unavailable: " + io.netty.channel.epoll.Epoll.unavailabilityCause();
    }

    static EventLoops create(int threads, DefaultThreadFactory factory) {
      return new EventLoops(
          new io.netty.channel.epoll.EpollEventLoopGroup(threads, factory),
          io.netty.channel.epoll.EpollServerSocketChannel.class,
          io.netty.channel.epoll.EpollSocketChannel.class,
          true);
    }
  }
}
