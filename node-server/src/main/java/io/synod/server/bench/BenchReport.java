package io.synod.server.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * A self-contained HTML report of a load run: per scenario, throughput and latency (p50, p99) over
 * time as inline SVG charts, and the final table. One file, no script, no external resource, so it
 * can be attached to an issue or opened offline.
 */
public final class BenchReport {

  private static final int WIDTH = 720;
  private static final int HEIGHT = 220;
  private static final int PAD = 48;

  private BenchReport() {}

  /**
   * Writes the report.
   *
   * @param file where to write it
   * @param results the scenarios' results, in the order they ran
   * @param command the command line that produced them, shown in the report
   * @throws IOException when the file cannot be written
   */
  public static void write(Path file, List<BenchResult> results, String command)
      throws IOException {
    Files.writeString(file, html(results, command), StandardCharsets.UTF_8);
  }

  static String html(List<BenchResult> results, String command) {
    StringBuilder sb = new StringBuilder();
    sb.append("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        .append("<title>synod bench report</title><style>")
        .append("body{font:14px system-ui,sans-serif;margin:24px;color:#222}")
        .append("table{border-collapse:collapse}td,th{padding:3px 10px;text-align:right;")
        .append("border-bottom:1px solid #ddd}th:first-child,td:first-child{text-align:left}")
        .append("code{background:#f4f4f4;padding:2px 4px}svg{display:block;margin:8px 0 20px}")
        .append(".fail{color:#b00}</style></head><body>\n")
        .append("<h1>synod bench</h1>\n<p><code>").append(escape(command)).append("</code></p>\n");
    for (BenchResult r : results) {
      sb.append("<section class=\"scenario\" id=\"").append(escape(r.scenario())).append("\">\n");
      sb.append(String.format(Locale.ROOT, "<h2>%s: %d users, %.1f s</h2>%n",
          escape(r.scenario()), r.users(), r.seconds()));
      sb.append(chart("throughput (requests/s)", r.timeline(),
          List.of(new Series("requests/s", "#2b6cb0", s -> s.requests()),
              new Series("failures/s", "#c53030", s -> s.failures()))));
      sb.append(chart("latency (ms)", r.timeline(),
          List.of(new Series("p50", "#2f855a", BenchResult.Sample::p50Millis),
              new Series("p99", "#b7791f", BenchResult.Sample::p99Millis))));
      sb.append("<table><tr><th>endpoint</th><th>requests</th><th>failures</th><th>req/s</th>")
          .append("<th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>max ms</th></tr>\n");
      for (BenchResult.Row row : r.rows()) {
        sb.append(String.format(Locale.ROOT,
            "<tr><td>%s</td><td>%d</td><td%s>%d</td><td>%.1f</td><td>%.2f</td><td>%.2f</td>"
                + "<td>%.2f</td><td>%.2f</td></tr>%n",
            escape(row.endpoint()), row.requests(), row.failures() > 0 ? " class=\"fail\"" : "",
            row.failures(), row.requestsPerSecond(), row.p50Millis(), row.p95Millis(),
            row.p99Millis(), row.maxMillis()));
      }
      sb.append("</table>\n");
      if (r.warmupRequests() > 0) {
        sb.append(String.format(Locale.ROOT,
            "<p>warm-up (not in the figures): %d requests, %d failures</p>%n",
            r.warmupRequests(), r.warmupFailures()));
      }
      for (BenchResult.Row row : r.rows()) {
        if (row.lastFailure() != null) {
          sb.append("<p class=\"fail\">last failure of ").append(escape(row.endpoint()))
              .append(": ").append(escape(row.lastFailure())).append("</p>\n");
        }
      }
      sb.append("</section>\n");
    }
    return sb.append("</body></html>\n").toString();
  }

  private record Series(String name, String color, ToDoubleFunction<BenchResult.Sample> value) {}

  private static String chart(String title, List<BenchResult.Sample> samples, List<Series> series) {
    double max = 0;
    long lastSecond = 1;
    for (BenchResult.Sample s : samples) {
      lastSecond = Math.max(lastSecond, s.second());
      for (Series line : series) {
        max = Math.max(max, line.value().applyAsDouble(s));
      }
    }
    max = max <= 0 ? 1 : niceCeiling(max);
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT,
        "<svg class=\"chart\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\""
            + " aria-label=\"%s\">%n",
        WIDTH, HEIGHT, WIDTH, HEIGHT, escape(title)));
    sb.append(String.format(Locale.ROOT,
        "<text x=\"%d\" y=\"14\" font-size=\"13\">%s</text>%n", PAD, escape(title)));
    int x0 = PAD;
    int x1 = WIDTH - 12;
    int y0 = HEIGHT - 28;
    int y1 = 24;
    sb.append(String.format(Locale.ROOT,
        "<path d=\"M%d %dV%dH%d\" stroke=\"#888\" fill=\"none\"/>%n", x0, y1, y0, x1));
    for (int i = 0; i <= 4; i++) {
      double v = max * i / 4;
      double y = y0 - (y0 - y1) * i / 4.0;
      sb.append(String.format(Locale.ROOT,
          "<text x=\"%d\" y=\"%.1f\" font-size=\"10\" text-anchor=\"end\">%s</text>"
              + "<path d=\"M%d %.1fH%d\" stroke=\"#eee\"/>%n",
          x0 - 4, y + 3, label(v), x0 + 1, y, x1));
    }
    sb.append(String.format(Locale.ROOT,
        "<text x=\"%d\" y=\"%d\" font-size=\"10\" text-anchor=\"end\">%d s</text>%n",
        x1, HEIGHT - 10, lastSecond));
    int legendX = x0 + 180;
    for (Series line : series) {
      StringBuilder points = new StringBuilder();
      for (BenchResult.Sample s : samples) {
        double x = x0 + (x1 - x0) * (double) s.second() / lastSecond;
        double y = y0 - (y0 - y1) * line.value().applyAsDouble(s) / max;
        points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
      }
      sb.append(String.format(Locale.ROOT,
          "<polyline class=\"series\" data-series=\"%s\" points=\"%s\" fill=\"none\" stroke=\"%s\""
              + " stroke-width=\"1.5\"/>%n",
          escape(line.name()), points.toString().trim(), line.color()));
      sb.append(String.format(Locale.ROOT,
          "<text x=\"%d\" y=\"14\" font-size=\"11\" fill=\"%s\">%s</text>%n",
          legendX, line.color(), escape(line.name())));
      legendX += 90;
    }
    return sb.append("</svg>\n").toString();
  }

  private static double niceCeiling(double v) {
    double magnitude = Math.pow(10, Math.floor(Math.log10(v)));
    for (double step : new double[] {1, 2, 2.5, 5, 10}) {
      if (step * magnitude >= v) {
        return step * magnitude;
      }
    }
    return 10 * magnitude;
  }

  private static String label(double v) {
    return v >= 1000 ? String.format(Locale.ROOT, "%.0fk", v / 1000)
        : v >= 10 ? String.format(Locale.ROOT, "%.0f", v)
        : String.format(Locale.ROOT, "%.2g", v);
  }

  private static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        .replace("\"", "&quot;");
  }
}
