package io.synod.server.redis;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.testcontainers.containers.GenericContainer;

/**
 * A real Redis server for tests: a Testcontainers container when a Docker engine answers,
 * otherwise the local {@code redis-server} binary on a free port with a temporary directory.
 * Created by {@link RedisServerExtension}; tests only read {@link #uri()} and may call {@link
 * #command} for raw inspection.
 */
public final class RedisTestServer implements AutoCloseable {
  private final URI uri;
  private final String description;
  private final Process process;
  private final Path dir;
  private final GenericContainer<?> container;

  private RedisTestServer(URI uri, String description, Process process, Path dir,
      GenericContainer<?> container) {
    this.uri = uri;
    this.description = description;
    this.process = process;
    this.dir = dir;
    this.container = container;
  }

  /** @return {@code redis://host:port} of the running server */
  public URI uri() {
    return uri;
  }

  /** @return how it runs, for messages */
  public String description() {
    return description;
  }

  static RedisTestServer startContainer(boolean appendOnly) {
    GenericContainer<?> c = new GenericContainer<>("redis:7-alpine").withExposedPorts(6379)
        .withCommand(appendOnly
            ? new String[] {"redis-server", "--save", "", "--appendonly", "yes",
                "--appendfsync", "always", "--enable-debug-command", "yes"}
            : new String[] {"redis-server", "--save", "", "--appendonly", "no"});
    c.start();
    URI u = URI.create("redis://" + c.getHost() + ":" + c.getMappedPort(6379));
    return new RedisTestServer(u, "Testcontainers redis:7-alpine at " + u, null, null, c);
  }

  static String findBinary() {
    String path = System.getenv("PATH");
    if (path == null) {
      return null;
    }
    for (String d : path.split(java.io.File.pathSeparator)) {
      Path p = Path.of(d, "redis-server");
      if (Files.isExecutable(p)) {
        return p.toString();
      }
    }
    return null;
  }

  static RedisTestServer startLocal(String binary, boolean appendOnly) throws IOException {
    IOException last = null;
    for (int attempt = 0; attempt < 5; attempt++) {
      int port;
      try (ServerSocket s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
      Path dir = Files.createTempDirectory("synod-redis-");
      List<String> cmd = new ArrayList<>(List.of(binary, "--port", Integer.toString(port),
          "--bind", "127.0.0.1", "--dir", dir.toString(), "--save", "",
          "--appendonly", appendOnly ? "yes" : "no", "--daemonize", "no"));
      if (appendOnly) {
        cmd.addAll(List.of("--appendfsync", "always", "--enable-debug-command", "yes"));
      }
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      CompletableFuture<Boolean> ready = new CompletableFuture<>();
      StringBuilder log = new StringBuilder();
      Thread reader = new Thread(() -> drain(p.getInputStream(), ready, log),
          "redis-server-" + port + "-log");
      reader.setDaemon(true);
      reader.start();
      try {
        if (Boolean.TRUE.equals(ready.get(20, TimeUnit.SECONDS))) {
          URI u = URI.create("redis://127.0.0.1:" + port);
          return new RedisTestServer(u, "local " + binary + " at " + u, p, dir, null);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        p.destroyForcibly();
        throw new IOException("interrupted while starting redis-server", e);
      } catch (ExecutionException | TimeoutException e) {
        // fall through: retry on another port
      }
      p.destroyForcibly();
      deleteTree(dir);
      synchronized (log) {
        last = new IOException("redis-server did not start on port " + port + ": " + log);
      }
    }
    throw last;
  }

  private static void drain(InputStream in, CompletableFuture<Boolean> ready, StringBuilder log) {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        if (!ready.isDone()) {
          synchronized (log) {
            if (log.length() < 4000) {
              log.append(line).append('\n');
            }
          }
          if (line.contains("Ready to accept connections")) {
            ready.complete(true);
          }
        }
      }
    } catch (IOException e) {
      // process gone
    }
    ready.complete(false);
  }

  /**
   * Sends one command over a fresh socket and returns the raw RESP reply line(s) as text. For
   * test setup and inspection only.
   *
   * @param args the command and its arguments
   * @return the reply, decoded loosely (first line for simple replies, the bulk body otherwise)
   * @throws IOException when the server does not answer
   */
  public String command(String... args) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 5000);
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      StringBuilder sb = new StringBuilder("*").append(args.length).append("\r\n");
      for (String a : args) {
        byte[] b = a.getBytes(StandardCharsets.UTF_8);
        sb.append('$').append(b.length).append("\r\n").append(a).append("\r\n");
      }
      out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
      out.flush();
      BufferedReader r = new BufferedReader(
          new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
      return render(r, r.readLine());
    }
  }

  /**
   * Renders one RESP reply: simple strings, errors and integers as their first line ({@code
   * +OK}, {@code -ERR ...}, {@code :1}), a bulk string as its text, nil as null, an array as its
   * elements rendered and joined by newlines.
   */
  private static String render(BufferedReader r, String first) throws IOException {
    if (first == null) {
      throw new IOException("no reply");
    }
    if (first.startsWith("$")) {
      return first.equals("$-1") ? null : r.readLine();
    }
    if (first.startsWith("*")) {
      int n = Integer.parseInt(first.substring(1));
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < n; i++) {
        if (i > 0) {
          sb.append('\n');
        }
        sb.append(render(r, r.readLine()));
      }
      return n < 0 ? null : sb.toString();
    }
    return first;
  }

  /** Removes every key (FLUSHALL), between tests. */
  void flushAll() throws IOException {
    String reply = command("FLUSHALL");
    if (!reply.startsWith("+OK")) {
      throw new IOException("FLUSHALL answered " + reply);
    }
  }

  @Override
  public void close() {
    if (container != null) {
      container.stop();
    }
    if (process != null) {
      process.destroy();
      try {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        process.destroyForcibly();
      }
    }
    if (dir != null) {
      deleteTree(dir);
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort
    }
  }
}
