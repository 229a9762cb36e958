package dev.dpf.jobs.aws;

import static dev.dpf.jobs.testing.CliRun.dpf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dpf.core.DpfException;
import dev.dpf.jobs.testing.CliRun;
import dev.dpf.jobs.testing.Kinesalite;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.kinesis.model.Record;

/** {@code dpf produce} against kinesalite on loopback, and to a folder. */
class ProduceTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path dir;
  private static Kinesalite kinesis;

  @BeforeAll
  static void start() throws Exception {
    // The SDK's default chain reads these first; the tool takes credentials from nowhere else.
    System.setProperty("aws.accessKeyId", Kinesalite.ACCESS_KEY);
    System.setProperty("aws.secretAccessKey", Kinesalite.SECRET_KEY);
    // kinesalite cuts CBOR responses at 16 KiB (a PutRecords reply to 500 records is longer), so
    // the clients speak the JSON form of the protocol here.
    System.setProperty("aws.cborEnabled", "false");
    kinesis = Kinesalite.start(dir);
  }

  @AfterAll
  static void stop() {
    System.clearProperty("aws.accessKeyId");
    System.clearProperty("aws.secretAccessKey");
    System.clearProperty("aws.cborEnabled");
    kinesis.close();
  }

  @Test
  void everyRecordIsReadBackExactlyOnceWhenTheStreamThrottles() throws Exception {
    kinesis.createStream("payments", 2);
    Map<String, Integer> rejected;
    CliRun run;
    try (ThrottlingKinesisProxy proxy = new ThrottlingKinesisProxy(kinesis.endpoint())) {
      run =
          dpf(
              "produce",
              "--stream",
              "payments",
              "--count",
              "1200",
              "--rate",
              "0",
              "--seed",
              "7",
              "--endpoint",
              proxy.endpoint(),
              "--region",
              "eu-west-1");
      // 1,200 events in batches of 500, 500, 200; the first request is throttled as a whole and
      // every later request carries only what is still unsent.
      List<Integer> sizes = proxy.batchSizes();
      assertThat(sizes.subList(0, 2)).containsExactly(500, 500);
      assertThat(sizes).allMatch(n -> n <= 500);
      rejected = proxy.rejected();
    }
    assertThat(run.err()).as(run.out()).isEmpty();
    assertThat(run.code()).isZero();
    // The first 500 plus every 4th and 9th record the proxy saw after them: each rejection is
    // re-sent and counted, by error code.
    int retried = rejected.values().stream().mapToInt(Integer::intValue).sum();
    assertThat(rejected.keySet())
        .containsExactly("InternalFailure", "ProvisionedThroughputExceededException");
    assertThat(retried).isGreaterThan(1000);
    assertThat(run.out())
        .contains(
            "produce: 1,200 record(s) sent to stream 'payments'",
            String.format(", 0 failed, %,d retried %s%n", retried, rejected));

    List<Record> records = kinesis.readAll("payments");
    List<String> ids = new ArrayList<>();
    for (Record r : records) {
      JsonNode event = JSON.readTree(r.data().asUtf8String());
      ids.add(event.get("payment_id").asText());
      assertThat(r.partitionKey()).isEqualTo(event.get("customer_id").asText());
      assertThat(event.get("payment_amount").decimalValue().scale()).isLessThanOrEqualTo(2);
    }
    assertThat(ids).hasSize(1200);
    assertThat(new HashSet<>(ids)).hasSize(1200);
  }

  @Test
  void aMissingStreamIsNamed() {
    CliRun run =
        dpf("produce", "--stream", "nope", "--count", "1", "--endpoint", kinesis.endpoint());
    assertThat(run.code()).isEqualTo(1);
    assertThat(run.err())
        .isEqualTo(
            "dpf: Kinesis stream 'nope' does not exist in "
                + kinesis.endpoint()
                + ". Check --stream and --region (the DataIngestion stack's output"
                + " PaymentsStreamName names it)\n");
  }

  @Test
  void toRawWritesFirehoseObjectsOfAtMostRateRecords() throws Exception {
    Path raw = dir.resolve("raw/streaming/payments");
    CliRun run = dpf("produce", "--to-raw", raw.toString(), "--count", "120", "--rate", "50");
    assertThat(run.code()).as(run.err()).isZero();
    List<Path> objects;
    try (Stream<Path> files = Files.walk(raw)) {
      objects = files.filter(Files::isRegularFile).sorted().toList();
    }
    List<Integer> sizes = new ArrayList<>();
    for (Path object : objects) {
      String relative = raw.relativize(object).toString();
      assertThat(relative)
          .matches("\\d{4}/\\d{2}/\\d{2}/\\d{2}/payments-1-\\d{4}(-\\d{2}){5}-[0-9a-f-]{36}");
      List<String> lines = Files.readAllLines(object, StandardCharsets.UTF_8);
      for (String line : lines) {
        assertThat(JSON.readTree(line).fieldNames())
            .toIterable()
            .containsExactly(
                "payment_id", "payment_time", "customer_id", "payment_amount", "ipv4_address");
      }
      sizes.add(lines.size());
    }
    // One object per second's batch: 50, 50 and 20 records (order by name = by time).
    assertThat(sizes).containsExactlyInAnyOrder(50, 50, 20);
    assertThat(run.out()).contains("produce: 120 record(s) sent to folder " + raw);
  }

  @Test
  void badOptionsAreOneLineEach() {
    assertThat(dpf("produce", "--count", "5").err())
        .isEqualTo("dpf: Give either --stream NAME (Kinesis) or --to-raw DIR (files)\n");
    assertThat(dpf("produce", "--stream", "s", "--to-raw", dir.toString()).err())
        .isEqualTo("dpf: Give either --stream NAME (Kinesis) or --to-raw DIR (files)\n");
    assertThat(dpf("produce", "--stream", "s", "--count", "0").err())
        .isEqualTo("dpf: --count must be at least 1, got 0\n");
    assertThat(dpf("produce", "--stream", "s", "--rate", "-1").err())
        .isEqualTo("dpf: --rate must be 0 (no limit) or more, got -1\n");
  }

  @Test
  void batchesKeepOrderAndBothLimits() {
    List<Integer> items = new ArrayList<>();
    for (int i = 0; i < 1200; i++) {
      items.add(i);
    }
    assertThat(Produce.batches(items, 500, Long.MAX_VALUE, x -> 1))
        .extracting(List::size)
        .containsExactly(500, 500, 200);
    // 2 MB records: two fit in 5 MB, not three.
    assertThat(Produce.batches(List.of(1, 2, 3, 4, 5), 500, 5_000_000, x -> 2_000_000))
        .containsExactly(List.of(1, 2), List.of(3, 4), List.of(5));
    assertThatThrownBy(() -> Produce.batches(List.of(1), 500, 10, x -> 11))
        .isInstanceOf(DpfException.class)
        .hasMessage("A record of 11 bytes exceeds the limit of 10");
  }
}
