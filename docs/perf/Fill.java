import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fills a node over HTTP with COUNT items for the memory figures of docs/PERFORMANCE.md
 * (memory-per-item.sh runs it). A single-file program: {@code java docs/perf/Fill.java METHOD URL
 * BODY FROM COUNT [CONNECTIONS]}; {@code %d} in URL and BODY is the item's number (FROM ..
 * FROM+COUNT-1, zero-padded to 7 digits). Each connection is a thread sending one request at a
 * time on a kept-alive socket (plain HTTP/1.1, far cheaper on the CPU than the JDK's client, which
 * would take most of a core of the 2 here). Exit status 1 when any answer was not a 200.
 */
public final class Fill {
  public static void main(String[] a) throws Exception {
    String method = a[0];
    URI base = URI.create(a[1].replace("%d", "X"));
    String path = a[1].substring(a[1].indexOf('/', "http://".length()));
    String body = a[2];
    long from = Long.parseLong(a[3]);
    long count = Long.parseLong(a[4]);
    int connections = a.length > 5 ? Integer.parseInt(a[5]) : 32;
    AtomicLong next = new AtomicLong(from);
    AtomicLong failed = new AtomicLong();
    Map<String, Long> statuses = new ConcurrentHashMap<>();
    long t0 = System.nanoTime();
    Thread[] threads = new Thread[connections];
    for (int t = 0; t < connections; t++) {
      threads[t] = new Thread(() -> {
        try (Socket s = new Socket(base.getHost(), base.getPort())) {
          s.setTcpNoDelay(true);
          OutputStream out = s.getOutputStream();
          InputStream in = new BufferedInputStream(s.getInputStream());
          for (long i = next.getAndIncrement(); i < from + count; i = next.getAndIncrement()) {
            String n = String.format("%07d", i);
            byte[] b = body.replace("%d", n).getBytes(StandardCharsets.UTF_8);
            String head = method + " " + path.replace("%d", n) + " HTTP/1.1\r\nHost: "
                + base.getHost() + "\r\nContent-Type: application/json\r\nContent-Length: "
                + b.length + "\r\n\r\n";
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.write(b);
            out.flush();
            String status = readAnswer(in);
            if (!status.equals("200")) {
              failed.incrementAndGet();
              statuses.merge(status, 1L, Long::sum);
            }
          }
        } catch (IOException e) {
          failed.incrementAndGet();
          statuses.merge(e.toString(), 1L, Long::sum);
        }
      });
      threads[t].start();
    }
    for (Thread t : threads) {
      t.join();
    }
    double secs = (System.nanoTime() - t0) / 1e9;
    System.out.printf("%d %s requests in %.1f s (%.0f/s), %d not 200 %s%n", count, method, secs,
        count / secs, failed.get(), statuses);
    System.exit(failed.get() == 0 ? 0 : 1);
  }

  /** Reads one answer (status line, headers, Content-Length body); returns its status code. */
  private static String readAnswer(InputStream in) throws IOException {
    String status = line(in).split(" ")[1];
    int length = 0;
    for (String h = line(in); !h.isEmpty(); h = line(in)) {
      if (h.regionMatches(true, 0, "content-length:", 0, 15)) {
        length = Integer.parseInt(h.substring(15).trim());
      }
    }
    for (int i = 0; i < length; i++) {
      if (in.read() < 0) {
        throw new IOException("connection closed in a body");
      }
    }
    return status;
  }

  private static String line(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (int c = in.read(); c != '\n'; c = in.read()) {
      if (c < 0) {
        throw new IOException("connection closed");
      }
      if (c != '\r') {
        sb.append((char) c);
      }
    }
    return sb.toString();
  }
}
