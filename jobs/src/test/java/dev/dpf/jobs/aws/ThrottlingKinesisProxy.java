package dev.dpf.jobs.aws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A loopback proxy in front of kinesalite that throttles as Kinesis does (kinesalite never does).
 * The first PutRecords request fails as a whole with ProvisionedThroughputExceededException; in
 * later ones every 4th record seen fails with that code and every 9th with InternalFailure. Only
 * the accepted records are forwarded, so a producer that re-sends accepted records duplicates them
 * and one that drops rejected records loses them. Other calls pass through unchanged. Both the
 * SDK's CBOR and JSON encodings are understood.
 */
final class ThrottlingKinesisProxy implements AutoCloseable {
  private static final Set<String> RESTRICTED =
      Set.of("host", "connection", "content-length", "expect", "upgrade", "transfer-encoding");

  private final HttpServer server;
  private final String target;
  private final HttpClient http = HttpClient.newHttpClient();
  private final List<Integer> batchSizes = new ArrayList<>();
  private int recordsSeen;
  private final Map<String, Integer> rejected = new TreeMap<>();

  ThrottlingKinesisProxy(String target) throws IOException {
    this.target = target;
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** The size of each PutRecords request received, in order. */
  synchronized List<Integer> batchSizes() {
    return List.copyOf(batchSizes);
  }

  /** Records answered with an error, by error code (the whole-request throttle included). */
  synchronized Map<String, Integer> rejected() {
    return new TreeMap<>(rejected);
  }

  private synchronized void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body = exchange.getRequestBody().readAllBytes();
      String operation = exchange.getRequestHeaders().getFirst("X-Amz-Target");
      String type = exchange.getRequestHeaders().getFirst("Content-Type");
      ObjectMapper mapper =
          type != null && type.contains("cbor") ? new CBORMapper() : new ObjectMapper();
      if (operation == null || !operation.endsWith(".PutRecords")) {
        forward(exchange, body);
        return;
      }
      ObjectNode request = (ObjectNode) mapper.readTree(body);
      ArrayNode records = (ArrayNode) request.get("Records");
      batchSizes.add(records.size());
      if (batchSizes.size() == 1) {
        rejected.merge("ProvisionedThroughputExceededException", records.size(), Integer::sum);
        ObjectNode error = mapper.createObjectNode();
        error.put("__type", "ProvisionedThroughputExceededException");
        error.put("message", "Rate exceeded for stream (test proxy)");
        reply(exchange, 400, type, mapper.writeValueAsBytes(error));
        return;
      }
      List<String> errors = new ArrayList<>();
      ArrayNode accepted = mapper.createArrayNode();
      for (JsonNode record : records) {
        recordsSeen++;
        String error =
            recordsSeen % 4 == 0
                ? "ProvisionedThroughputExceededException"
                : recordsSeen % 9 == 0 ? "InternalFailure" : null;
        errors.add(error);
        if (error == null) {
          accepted.add(record);
        } else {
          rejected.merge(error, 1, Integer::sum);
        }
      }
      ArrayNode results = mapper.createArrayNode();
      if (!accepted.isEmpty()) {
        request.set("Records", accepted);
        HttpResponse<byte[]> response = send(exchange, mapper.writeValueAsBytes(request));
        if (response.statusCode() != 200) {
          reply(exchange, response.statusCode(), type, response.body());
          return;
        }
        results = (ArrayNode) mapper.readTree(response.body()).get("Records");
      }
      ArrayNode merged = mapper.createArrayNode();
      int next = 0;
      for (String error : errors) {
        if (error == null) {
          merged.add(results.get(next++));
        } else {
          merged.addObject().put("ErrorCode", error).put("ErrorMessage", "test proxy");
        }
      }
      ObjectNode reply = mapper.createObjectNode();
      reply.put("FailedRecordCount", errors.stream().filter(e -> e != null).count());
      reply.set("Records", merged);
      reply(exchange, 200, type, mapper.writeValueAsBytes(reply));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    } catch (RuntimeException | IOException e) {
      e.printStackTrace();
      throw e;
    }
  }

  private void forward(HttpExchange exchange, byte[] body)
      throws IOException, InterruptedException {
    HttpResponse<byte[]> response = send(exchange, body);
    reply(
        exchange,
        response.statusCode(),
        response.headers().firstValue("Content-Type").orElse(null),
        response.body());
  }

  private HttpResponse<byte[]> send(HttpExchange exchange, byte[] body)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(target + exchange.getRequestURI()))
            .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
    exchange
        .getRequestHeaders()
        .forEach(
            (name, values) -> {
              if (!RESTRICTED.contains(name.toLowerCase(Locale.ROOT))) {
                values.forEach(v -> request.header(name, v));
              }
            });
    return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private static void reply(HttpExchange exchange, int status, String type, byte[] body)
      throws IOException {
    if (type != null) {
      exchange.getResponseHeaders().set("Content-Type", type);
    }
    exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    exchange.getResponseBody().write(body);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
