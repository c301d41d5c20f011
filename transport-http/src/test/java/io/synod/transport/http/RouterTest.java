package io.synod.transport.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class RouterTest {
  private static HttpRequestView request(String method, String path, String body) {
    return new HttpRequestView(
        method, path, path, Map.of(), Map.of(), Map.of(), body.getBytes(), null);
  }

  private static HttpResponse run(Router router, String method, String path) {
    return router.dispatch(request(method, path, "")).toCompletableFuture().join();
  }

  @Test
  void exactRouteAnswersAndOthersGet404() {
    Router r = new Router().get("/health", req -> CompletableFuture.completedFuture(
        HttpResponse.text(200, "ok")));
    assertEquals("ok", run(r, "GET", "/health").bodyAsString());
    assertEquals("ok", run(r, "GET", "/health/").bodyAsString());
    HttpResponse missing = run(r, "GET", "/nope");
    assertEquals(404, missing.status());
    assertEquals("not_found", Json.parse(missing.body()).get("error").asText());
  }

  @Test
  void wrongMethodGets405WithAllowHeader() {
    Router r = new Router()
        .post("/lock/acquire", req -> CompletableFuture.completedFuture(HttpResponse.noContent()))
        .put("/lock/acquire", req -> CompletableFuture.completedFuture(HttpResponse.noContent()));
    HttpResponse resp = run(r, "GET", "/lock/acquire");
    assertEquals(405, resp.status());
    assertEquals("POST, PUT", resp.header("allow"));
    JsonNode body = Json.parse(resp.body());
    assertEquals("method_not_allowed", body.get("error").asText());
    assertTrue(body.get("detail").asText().contains("GET"));
  }

  @Test
  void pathParametersBindAndLiteralRoutesWin() {
    Router r = new Router()
        .get("/v1/locks/{resource}", req -> CompletableFuture.completedFuture(
            HttpResponse.text(200, "param:" + req.pathParam("resource"))))
        .get("/v1/locks/stats", req -> CompletableFuture.completedFuture(
            HttpResponse.text(200, "stats")))
        .get("/internal/cache/{rest...}", req -> CompletableFuture.completedFuture(
            HttpResponse.text(200, "rest:" + req.pathParam("rest"))));
    assertEquals("param:db1", run(r, "GET", "/v1/locks/db1").bodyAsString());
    assertEquals("stats", run(r, "GET", "/v1/locks/stats").bodyAsString());
    assertEquals(404, run(r, "GET", "/v1/locks").status());
    assertEquals(404, run(r, "GET", "/v1/locks/a/b").status());
    assertEquals("rest:a/b/c", run(r, "GET", "/internal/cache/a/b/c").bodyAsString());
  }

  @Test
  void handlerExceptionsBecomeFailedStagesAndHttpErrorsKeepTheirStatus() {
    Router r = new Router()
        .get("/boom", req -> {
          throw new IllegalStateException("boom");
        })
        .get("/teapot", req -> {
          throw new HttpError(418, "teapot", "short and stout");
        });
    CompletableFuture<HttpResponse> boom =
        r.dispatch(request("GET", "/boom", "")).toCompletableFuture();
    assertTrue(boom.isCompletedExceptionally());
    CompletableFuture<HttpResponse> teapot =
        r.dispatch(request("GET", "/teapot", "")).toCompletableFuture();
    Throwable cause = assertThrows(Exception.class, teapot::join).getCause();
    assertEquals(418, ((HttpError) cause).status());
    assertEquals(418, ((HttpError) cause).toResponse().status());
  }

  @Test
  void duplicateRoutesAreRefused() {
    Router r = new Router().get("/a", req -> null);
    assertThrows(IllegalArgumentException.class, () -> r.get("/a", req -> null));
    assertEquals(List.of("GET /a"), r.routes());
  }

  @Test
  void handlerReturningNullIsAFailure() {
    Router r = new Router().get("/null", req -> null);
    assertTrue(r.dispatch(request("GET", "/null", "")).toCompletableFuture()
        .isCompletedExceptionally());
  }
}
