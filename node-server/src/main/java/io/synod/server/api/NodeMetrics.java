package io.synod.server.api;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricFilter;
import com.codahale.metrics.MetricRegistry;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.dropwizard.DropwizardExports;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.MetricMetadata;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The node's metrics and their Prometheus text exposition.
 *
 * <p>The node's own figures (cluster, Raft, locks, queue, cache, security) live in a Dropwizard
 * {@link MetricRegistry}, the design card's metrics library: gauges for levels, counters for
 * monotonic counts. The exposition is not hand-written: Prometheus client_java's Dropwizard bridge
 * ({@link DropwizardExports}) reads the registry and its text writer renders it, so counters come
 * out as counters with {@code _total} and every family has HELP and TYPE. Two things Dropwizard
 * cannot express are client_java metrics in the same exposition: request durations as a histogram
 * in seconds with the HTTP method, route and status class as labels (Dropwizard timers are
 * summaries of a decaying sample, which cannot be aggregated across nodes), and the JVM's own
 * metrics ({@link JvmMetrics}). The node's id is the {@code synod_node_info} family's label, as
 * Prometheus conventions put a target's identity in an info metric rather than on every sample.
 */
public final class NodeMetrics {
  /** Upper bounds of the request-duration buckets, in seconds (0.5 ms to 10 s). */
  private static final double[] BUCKETS = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
  };

  private final MetricRegistry registry = new MetricRegistry();
  private final Map<String, String> help = new ConcurrentHashMap<>();
  private final PrometheusRegistry prometheus = new PrometheusRegistry();
  private final Histogram requests;
  private final Counter forwarded;

  /**
   * Creates the registries.
   *
   * @param nodeId this node's id, the label of {@code synod_node_info}
   */
  public NodeMetrics(String nodeId) {
    requests = Histogram.builder()
        .name("synod_http_request_duration_seconds")
        .help("time from a request's arrival to its answer, by method, route pattern and status"
            + " class")
        .labelNames("method", "route", "status")
        .classicOnly()
        .classicUpperBounds(BUCKETS)
        .register(prometheus);
    Info.builder().name("synod_node_info").help("the node this exposition comes from")
        .labelNames("node").register(prometheus).addLabelValues(nodeId);
    JvmMetrics.builder().register(prometheus);
    prometheus.register(new Described(new DropwizardExports(registry, MetricFilter.ALL)));
    forwarded = counter("forwarded_requests", "requests this node forwarded to a leader or owner");
  }

  /** @return the underlying Dropwizard registry */
  public MetricRegistry registry() {
    return registry;
  }

  /**
   * Returns the recorder of one route's request durations.
   *
   * @param method the HTTP method
   * @param pattern the route pattern, for example {@code /v1/locks/{resource}}
   * @return a recorder whose data points are resolved once per status class
   */
  Endpoint endpoint(String method, String pattern) {
    return new Endpoint(method, pattern);
  }

  Counter forwarded() {
    return forwarded;
  }

  /**
   * Registers a gauge, a level that can go up and down.
   *
   * @param name the metric name without the {@code synod_} prefix, for example {@code cluster_term}
   * @param description what the value is, the family's HELP text
   * @param value reads the value
   */
  public void gauge(String name, String description, Supplier<Number> value) {
    help.put(prefixed(name), description);
    registry.register(prefixed(name), (Gauge<Number>) value::get);
  }

  /**
   * Registers a counter read from a monotonic source (a count the node keeps anyway), exposed as
   * {@code synod_<name>_total}.
   *
   * @param name the metric name without the {@code synod_} prefix and the {@code _total} suffix
   * @param description what is counted, the family's HELP text
   * @param count reads the count; it must never decrease while the node runs
   */
  public void counter(String name, String description, LongSupplier count) {
    help.put(prefixed(name), description);
    registry.register(prefixed(name), new ReadCounter(count));
  }

  /**
   * Registers a counter the caller increments.
   *
   * @param name the metric name without the {@code synod_} prefix and the {@code _total} suffix
   * @param description what is counted
   * @return the counter
   */
  public Counter counter(String name, String description) {
    help.put(prefixed(name), description);
    return registry.counter(prefixed(name));
  }

  /** @return every metric in the Prometheus text exposition format, version 0.0.4 */
  public byte[] prometheus() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
    try {
      PrometheusTextFormatWriter.create().write(out, prometheus.scrape());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** @return the content type of {@link #prometheus()} */
  public static String contentType() {
    return PrometheusTextFormatWriter.CONTENT_TYPE;
  }

  private static String prefixed(String name) {
    return "synod_" + name;
  }

  /** One route's duration recorder; the labelled data points are looked up once each. */
  final class Endpoint {
    private final String method;
    private final String pattern;
    private final AtomicReferenceArray<DistributionDataPoint> byClass =
        new AtomicReferenceArray<>(6);

    private Endpoint(String method, String pattern) {
      this.method = method;
      this.pattern = pattern;
    }

    /**
     * Records one answered request.
     *
     * @param nanos the time from arrival to answer
     * @param status the HTTP status sent
     */
    void record(long nanos, int status) {
      int c = Math.max(1, Math.min(5, status / 100));
      DistributionDataPoint p = byClass.get(c);
      if (p == null) {
        p = requests.labelValues(method, pattern, c + "xx");
        byClass.set(c, p);
      }
      p.observe(nanos / 1e9);
    }
  }

  /** A Dropwizard counter whose count is read from the component that keeps it. */
  private static final class ReadCounter extends Counter {
    private final LongSupplier count;

    ReadCounter(LongSupplier count) {
      this.count = count;
    }

    @Override
    public long getCount() {
      return count.getAsLong();
    }

    @Override
    public void inc(long n) {
      throw new UnsupportedOperationException("read from its source");
    }

    @Override
    public void dec(long n) {
      throw new UnsupportedOperationException("read from its source");
    }
  }

  /**
   * The Dropwizard bridge with the HELP texts the node registered (the bridge itself only knows
   * "Generated from Dropwizard metric import").
   */
  private final class Described implements MultiCollector {
    private final DropwizardExports bridge;

    Described(DropwizardExports bridge) {
      this.bridge = bridge;
    }

    @Override
    public MetricSnapshots collect() {
      MetricSnapshots.Builder out = MetricSnapshots.builder();
      for (MetricSnapshot s : bridge.collect()) {
        String text = help.get(s.getMetadata().getName());
        if (text == null) {
          out.metricSnapshot(s);
        } else if (s instanceof CounterSnapshot c) {
          out.metricSnapshot(new CounterSnapshot(
              new MetricMetadata(c.getMetadata().getName(), text), c.getDataPoints()));
        } else if (s instanceof GaugeSnapshot g) {
          out.metricSnapshot(new GaugeSnapshot(
              new MetricMetadata(g.getMetadata().getName(), text), g.getDataPoints()));
        } else {
          out.metricSnapshot(s);
        }
      }
      return out.build();
    }
  }
}
