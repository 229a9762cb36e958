package dev.dpf.jobs.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.dpf.core.DpfException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * Reading the PII hashing key from Secrets Manager through the AWS SDK, against a loopback server
 * that answers the service's JSON protocol ({@code GetSecretValue}) as its API reference documents
 * it: AWS itself is out of reach here.
 */
class PiiKeySecretTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String KEY = "Zq8Vn3Lr0Tb6Hw1Yd5Kc9Mf2Px7Sj4Ga";

  private HttpServer server;
  private final List<JsonNode> requests = new ArrayList<>();
  private final List<String> targets = new ArrayList<>();
  private SecretsManagerClient client;

  @BeforeEach
  void secretsManagerOnLoopback() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        exchange -> {
          JsonNode request = JSON.readTree(exchange.getRequestBody());
          requests.add(request);
          targets.add(exchange.getRequestHeaders().getFirst("X-Amz-Target"));
          String id = request.path("SecretId").asText();
          String body;
          int status = 200;
          if (id.equals("dpf/pii")) {
            body =
                "{\"ARN\":\"arn:aws:secretsmanager:eu-west-1:111122223333:secret:dpf/pii-AbCdEf\","
                    + "\"Name\":\"dpf/pii\",\"SecretString\":\""
                    + KEY
                    + "\",\"VersionId\":\"v1\"}";
          } else if (id.equals("dpf/binary")) {
            body = "{\"Name\":\"dpf/binary\",\"SecretBinary\":\"AAEC\",\"VersionId\":\"v1\"}";
          } else {
            status = 400;
            body =
                "{\"__type\":\"ResourceNotFoundException\","
                    + "\"Message\":\"Secrets Manager can't find the specified secret.\"}";
          }
          byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "application/x-amz-json-1.1");
          exchange.sendResponseHeaders(status, bytes.length);
          exchange.getResponseBody().write(bytes);
          exchange.close();
        });
    server.start();
    client =
        SecretsManagerClient.builder()
            .endpointOverride(URI.create("http://127.0.0.1:" + server.getAddress().getPort()))
            .region(Region.EU_WEST_1)
            .credentialsProvider(
                StaticCredentialsProvider.create(AwsBasicCredentials.create("id", "secret")))
            .httpClientBuilder(ApacheHttpClient.builder())
            .build();
  }

  @AfterEach
  void stop() {
    client.close();
    server.stop(0);
  }

  @Test
  void theKeyIsTheSecretsText() {
    assertThat(PiiKeySecret.read(client, "dpf/pii")).isEqualTo(KEY);
    assertThat(targets).containsExactly("secretsmanager.GetSecretValue");
    assertThat(requests.get(0).path("SecretId").asText()).isEqualTo("dpf/pii");
  }

  @Test
  void aSecretWithoutTextOrNotThereIsOneClearError() {
    assertThatThrownBy(() -> PiiKeySecret.read(client, "dpf/binary"))
        .isInstanceOf(DpfException.class)
        .hasMessage(
            "The Secrets Manager secret dpf/binary holds no text; the PII hashing key is a"
                + " secret's text (the CDK stack generates one)");
    assertThatThrownBy(() -> PiiKeySecret.read(client, "dpf/none"))
        .isInstanceOf(DpfException.class)
        .hasMessageStartingWith(
            "Cannot read the PII hashing key from the Secrets Manager secret dpf/none: ")
        .hasMessageContaining("Secrets Manager can't find the specified secret.");
  }
}
