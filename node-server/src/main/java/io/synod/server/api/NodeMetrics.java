package io.synod.server.api;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Snapshot;
import com.codahale.metrics.Timer;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.function.Supplier;

/**
 * The node's Dropwizard metrics and their Prometheus text rendering. Endpoint timers are named
 * {@code http.<METHOD> <pattern>}; gauges registered by the node carry the rest (lock, queue,
 * cache, cluster figures).
 */
public final class NodeMetrics {
  private final MetricRegistry registry = new MetricRegistry();
  private final String nodeId;

  /**
   * Creates the registry.
   *
   * @param nodeId this node's id, a label on every sample
   */
  public NodeMetrics(String nodeId) {
    this.nodeId = nodeId;
  }

  /** @return the underlying registry */
  public MetricRegistry registry() {
    return registry;
  }

  Timer endpoint(String route) {
    return registry.timer("http." + route);
  }

  Meter errors(String route, int statusClass) {
    return registry.meter("http_errors." + route + "." + statusClass + "xx");
  }

  Counter forwarded() {
    return registry.counter("forwarded_requests");
  }

  /**
   * Registers a gauge.
   *
   * @param name the Prometheus metric name (without the {@code synod_} prefix)
   * @param value reads the value
   */
  public void gauge(String name, Supplier<Number> value) {
    registry.register(name, (Gauge<Number>) value::get);
  }

  /** @return every metric in the Prometheus text exposition format */
  public String prometheus() {
    StringBuilder sb = new StringBuilder();
    String node = "node=\"" + nodeId + "\"";
    SortedMap<String, Timer> timers = registry.getTimers();
    if (!timers.isEmpty()) {
      sb.append("# HELP synod_http_request_seconds latency of public and internal endpoints\n");
      sb.append("# TYPE synod_http_request_seconds summary\n");
      for (Map.Entry<String, Timer> e : timers.entrySet()) {
        String route = e.getKey().substring("http.".length());
        String labels = node + ",route=\"" + escape(route) + "\"";
        Timer t = e.getValue();
        Snapshot s = t.getSnapshot();
        for (double q : new double[] {0.5, 0.95, 0.99}) {
          sb.append("synod_http_request_seconds{").append(labels).append(",quantile=\"")
              .append(q).append("\"} ").append(num(s.getValue(q) / 1e9)).append('\n');
        }
        sb.append("synod_http_request_seconds_count{").append(labels).append("} ")
            .append(t.getCount()).append('\n');
        sb.append("synod_http_request_seconds_sum{").append(labels).append("} ")
            .append(num(s.getMean() * s.size() / 1e9)).append('\n');
      }
      sb.append("# HELP synod_http_requests_per_second one-minute request rate per endpoint\n");
      sb.append("# TYPE synod_http_requests_per_second gauge\n");
      for (Map.Entry<String, Timer> e : timers.entrySet()) {
        String route = e.getKey().substring("http.".length());
        sb.append("synod_http_requests_per_second{").append(node).append(",route=\"")
            .append(escape(route)).append("\"} ").append(num(e.getValue().getOneMinuteRate()))
            .append('\n');
      }
    }
    if (!registry.getMeters().isEmpty()) {
      sb.append("# TYPE synod_http_errors_total counter\n");
      for (Map.Entry<String, Meter> e : registry.getMeters().entrySet()) {
        String rest = e.getKey().substring("http_errors.".length());
        int dot = rest.lastIndexOf('.');
        sb.append("synod_http_errors_total{").append(node).append(",route=\"")
            .append(escape(rest.substring(0, dot))).append("\",class=\"")
            .append(rest.substring(dot + 1)).append("\"} ").append(e.getValue().getCount())
            .append('\n');
      }
    }
    for (Map.Entry<String, Counter> e : registry.getCounters().entrySet()) {
      String name = "synod_" + sanitize(e.getKey()) + "_total";
      sb.append("# TYPE ").append(name).append(" counter\n");
      sb.append(name).append('{').append(node).append("} ").append(e.getValue().getCount())
          .append('\n');
    }
    for (Map.Entry<String, Gauge> e : registry.getGauges().entrySet()) {
      String name = "synod_" + sanitize(e.getKey());
      Object v = e.getValue().getValue();
      if (!(v instanceof Number)) {
        continue;
      }
      sb.append("# TYPE ").append(name).append(" gauge\n");
      sb.append(name).append('{').append(node).append("} ").append(num(((Number) v).doubleValue()))
          .append('\n');
    }
    return sb.toString();
  }

  private static String sanitize(String s) {
    return s.replaceAll("[^a-zA-Z0-9_]", "_");
  }

  private static String escape(String s) {
    return s.replace("\\", "\\\\").replace("\"", "\\\"");
  }

  private static String num(double d) {
    if (d == Math.rint(d) && Math.abs(d) < 1e15) {
      return Long.toString((long) d);
    }
    return String.format(Locale.ROOT, "%.6g", d);
  }
}
