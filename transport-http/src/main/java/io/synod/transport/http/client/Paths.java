package io.synod.transport.http.client;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/** Request-target helpers shared by the command groups. */
final class Paths {
  private Paths() {}

  /** Percent-encodes one path segment or query value. */
  static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** Whether an answer says the route does not exist on that server (an older node). */
  static boolean missingRoute(RequestExecutor.Reply r) {
    return r.is(404, "not_found") || r.is(405, "method_not_allowed");
  }
}
