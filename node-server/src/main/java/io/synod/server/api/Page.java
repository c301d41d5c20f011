package io.synod.server.api;

import io.synod.transport.http.HttpRequestView;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * One page of a list route, the same shape on every one: {@code ?limit=} (1 to 10,000, default
 * 1,000) and {@code ?after=} (the previous answer's {@code next}) in, {@code {<items>: [...],
 * total, next}} out. A route scans at most {@link #scan()} = limit + 1 keys after {@link #after}:
 * the one past the page tells, in the same scan, whether another page follows, and is never
 * shown. A bad limit or token is a 400 before anything is read.
 */
final class Page {
  /** Items on a page when the request names no limit. */
  static final int DEFAULT_LIMIT = 1000;
  /** Most items on one page. */
  static final int MAX_LIMIT = 10_000;

  private final int limit;
  private final String after;

  private Page(int limit, String after) {
    this.limit = limit;
    this.after = after;
  }

  /**
   * Reads {@code limit} and {@code after} from a request.
   *
   * @param req the request
   * @return the page asked for
   * @throws io.synod.transport.http.HttpError 400 for a limit out of range or a foreign token
   */
  static Page of(HttpRequestView req) {
    return new Page(PublicApi.pageLimit(req.queryParam("limit"), DEFAULT_LIMIT, MAX_LIMIT),
        PageToken.decode(req.queryParam("after")));
  }

  /** @return the most items shown */
  int limit() {
    return limit;
  }

  /** @return the last key of the previous page (exclusive), or {@code null} for the first */
  String after() {
    return after;
  }

  /** @return how many items a route scans: one past the page */
  int scan() {
    return limit + 1;
  }

  /**
   * The answer of a page from its scan.
   *
   * @param field the name of the items' array ({@code "locks"}, {@code "sessions"}, ...)
   * @param scanned at most {@link #scan()} items in key order, after {@link #after()}
   * @param key an item's key, what {@code next} names
   * @param show an item as the answer shows it, or {@code null} to leave it out (it still
   *     ends the page when it is the last one scanned)
   * @param total how many items the whole listing holds
   * @param <T> the items' type
   * @return {@code {field: [...], total, next}} ({@code next} absent on the last page)
   */
  <T> Map<String, Object> answer(String field, List<T> scanned, Function<T, String> key,
      Function<T, Object> show, long total) {
    boolean more = scanned.size() > limit;
    List<T> page = more ? scanned.subList(0, limit) : scanned;
    List<Object> out = new ArrayList<>(page.size());
    for (T item : page) {
      Object shown = show.apply(item);
      if (shown != null) {
        out.add(shown);
      }
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put(field, out);
    body.put("total", total);
    if (more) {
      body.put("next", PageToken.encode(key.apply(page.get(page.size() - 1))));
    }
    return body;
  }
}
