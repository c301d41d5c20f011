package io.synod.server.redis;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.net.URI;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.opentest4j.TestAbortedException;
import org.testcontainers.DockerClientFactory;

/**
 * JUnit 5 extension that gives a test class a running Redis server: a Testcontainers Redis
 * container when a Docker engine answers, otherwise the local {@code redis-server} binary started
 * on a free port with a temporary directory ({@code --save "" --appendonly no}, or append-only
 * with {@code appendfsync always} when the class is annotated {@link AppendOnly}). One server is
 * shared by every class of the JVM that wants the same options, and stopped when the JVM's tests
 * end; every key is flushed before each test.
 *
 * <p>When neither Docker nor {@code redis-server} is available the tests are skipped with a clear
 * message, except when the environment variable {@code CI=true}, where they fail.
 *
 * <p>Use: {@code @ExtendWith(RedisServerExtension.class)} and take a {@link RedisTestServer} or a
 * {@link URI} parameter (constructor, lifecycle or test method).
 */
public final class RedisServerExtension
    implements BeforeAllCallback, BeforeEachCallback, ParameterResolver {

  /** Asks for an append-only server (a separate one, shared by the classes that ask for it). */
  @Target(ElementType.TYPE)
  @Retention(RetentionPolicy.RUNTIME)
  public @interface AppendOnly {}

  private static final ExtensionContext.Namespace NS =
      ExtensionContext.Namespace.create(RedisServerExtension.class);

  /** Holder stored in the root context so JUnit closes it when the JVM's tests end. */
  private static final class Resource
      implements ExtensionContext.Store.CloseableResource, AutoCloseable {
    final RedisTestServer server;

    Resource(RedisTestServer server) {
      this.server = server;
    }

    @Override
    public void close() {
      server.close();
    }
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    server(context);
  }

  @Override
  public void beforeEach(ExtensionContext context) throws Exception {
    server(context).flushAll();
  }

  @Override
  public boolean supportsParameter(ParameterContext p, ExtensionContext e) {
    Class<?> t = p.getParameter().getType();
    return t == RedisTestServer.class || t == URI.class;
  }

  @Override
  public Object resolveParameter(ParameterContext p, ExtensionContext e) {
    RedisTestServer s = server(e);
    if (p.getParameter().getType() == URI.class) {
      return s.uri();
    }
    if (p.getParameter().getType() == RedisTestServer.class) {
      return s;
    }
    throw new ParameterResolutionException("unsupported parameter " + p.getParameter());
  }

  private static RedisTestServer server(ExtensionContext context) {
    boolean aof = context.getRequiredTestClass().isAnnotationPresent(AppendOnly.class);
    String key = aof ? "redis-aof" : "redis";
    ExtensionContext.Store root = context.getRoot().getStore(NS);
    Resource r = root.getOrComputeIfAbsent(key, k -> new Resource(start(aof)), Resource.class);
    return r.server;
  }

  private static RedisTestServer start(boolean appendOnly) {
    String why;
    try {
      if (dockerAvailable()) {
        return RedisTestServer.startContainer(appendOnly);
      }
      String bin = RedisTestServer.findBinary();
      if (bin != null) {
        return RedisTestServer.startLocal(bin, appendOnly);
      }
      why = "no Docker engine answers and no redis-server binary is on the PATH "
          + "(install it: apt-get install -y redis-server)";
    } catch (Exception e) {
      why = "could not start Redis: " + e;
    }
    throw unavailable(why, System.getenv("CI"));
  }

  /**
   * What to throw when no Redis can be started: a skip, or a failure under {@code CI=true}.
   *
   * @param why the reason
   * @param ci the value of the CI environment variable, may be null
   * @return the exception
   */
  static RuntimeException unavailable(String why, String ci) {
    if ("true".equalsIgnoreCase(ci)) {
      return new IllegalStateException("Redis tests must run under CI=true, but " + why);
    }
    return new TestAbortedException("Redis tests skipped: " + why);
  }

  private static boolean dockerAvailable() {
    if (Boolean.getBoolean("synod.redis.noDocker")) {
      return false;
    }
    // Testcontainers' own probe takes seconds and logs an ERROR when nothing answers: skip it
    // when there is plainly no engine to find
    if (System.getenv("DOCKER_HOST") == null
        && !java.nio.file.Files.exists(java.nio.file.Path.of("/var/run/docker.sock"))
        && !java.nio.file.Files.exists(java.nio.file.Path.of(
            System.getProperty("user.home"), ".docker", "run", "docker.sock"))
        && !java.nio.file.Files.exists(java.nio.file.Path.of(
            System.getProperty("user.home"), ".testcontainers.properties"))) {
      return false;
    }
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (Throwable t) {
      return false;
    }
  }
}
