package dev.dpf.jobs.aws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * AWS DMS on loopback, as far as the JSON protocol goes (there is no local DMS): records every
 * request (operation from X-Amz-Target, body) and answers with what the test's function returns.
 */
final class DmsStub implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();

  /** A request: the operation (e.g. StartReplicationTask) and its JSON body. */
  record Request(String operation, JsonNode body) {}

  /** An answer: HTTP status and JSON body. */
  record Reply(int status, String json) {
    static Reply ok(String json) {
      return new Reply(200, json);
    }

    static Reply fault(String type, String message) {
      return new Reply(400, "{\"__type\":\"" + type + "\",\"message\":\"" + message + "\"}");
    }
  }

  private final HttpServer server;
  private final List<Request> requests = new ArrayList<>();
  private final Function<Request, Reply> answer;

  DmsStub(Function<Request, Reply> answer) throws IOException {
    this.answer = answer;
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  synchronized List<Request> requests() {
    return List.copyOf(requests);
  }

  private synchronized void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
      Request request =
          new Request(
              target.substring(target.indexOf('.') + 1),
              JSON.readTree(exchange.getRequestBody().readAllBytes()));
      requests.add(request);
      Reply reply = answer.apply(request);
      byte[] body = reply.json().getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.1");
      exchange.sendResponseHeaders(reply.status(), body.length);
      exchange.getResponseBody().write(body);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
