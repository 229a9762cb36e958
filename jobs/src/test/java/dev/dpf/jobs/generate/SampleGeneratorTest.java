package dev.dpf.jobs.generate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dpf.core.testing.RawFiles;
import dev.dpf.core.testing.Repo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SampleGeneratorTest {
  @Test
  void reproducesTheCheckedInSampleByteForByte(@TempDir Path out) throws Exception {
    Path sample = Repo.root().resolve("sample-data");

    new SampleGenerator(1, 20261118L).writeTo(out);

    List<Path> expected = RawFiles.under(sample).stream().map(sample::relativize).toList();
    List<Path> actual = RawFiles.under(out).stream().map(out::relativize).toList();
    assertThat(actual).isEqualTo(expected);
    for (Path p : expected) {
      assertThat(Files.readAllBytes(out.resolve(p)))
          .as(p.toString())
          .isEqualTo(Files.readAllBytes(sample.resolve(p)));
    }
  }

  @Test
  void scalesEveryCountAndChangesWithTheSeed() {
    var small = new SampleGenerator(1, 7L).files();
    var big = new SampleGenerator(3, 7L).files();

    // Customers: a full load and two CDC files, each with a header.
    assertThat(lines(big, "dms/classicmodels/customers/"))
        .isEqualTo(3 * SampleGenerator.CUSTOMERS + 3 * SampleGenerator.CUSTOMER_CHANGES + 3);
    assertThat(lines(big, "dms/classicmodels/products/"))
        .isEqualTo(3 * SampleGenerator.PRODUCTS + 1);
    // Orders: a full load and a CDC file (per unit of scale, a cancellation and a new order).
    assertThat(lines(big, "dms/classicmodels/orders/"))
        .isEqualTo(3 * SampleGenerator.ORDERS + 3 * 2 + 2);
    assertThat(lines(big, "streaming/")).isEqualTo(3 * SampleGenerator.PAYMENTS);
    assertThat(lines(big, "files/")).isEqualTo(3 * SampleGenerator.TRANSACTIONS + 1);
    assertThat(lines(small, "streaming/")).isEqualTo(SampleGenerator.PAYMENTS);
    assertThat(new SampleGenerator(1, 8L).files()).isNotEqualTo(small);
    assertThat(new SampleGenerator(1, 7L).files()).isEqualTo(small);
  }

  @Test
  void firehoseBufferingCutsTheSameEventsIntoObjectsOfAtMostTheBufferOrItsInterval() {
    int events = 20_000;
    long buffer = 16 * 1024;
    var small = new SampleGenerator(1, 7L).withPayments(events).files();
    var buffered =
        new SampleGenerator(1, 7L).withPayments(events).withFirehoseBuffer(buffer).files();

    assertThat(lines(buffered, "streaming/")).isEqualTo(events);
    assertThat(sortedLines(buffered, "streaming/"))
        .as("the same events, cut otherwise")
        .isEqualTo(sortedLines(small, "streaming/"));
    assertThat(withoutPrefix(buffered, "streaming/"))
        .as("the other sources do not change")
        .isEqualTo(withoutPrefix(small, "streaming/"));

    var names = java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd-HH-mm-ss");
    long objects = 0;
    for (var e : buffered.entrySet()) {
      if (!e.getKey().startsWith("streaming/")) {
        continue;
      }
      objects++;
      assertThat(e.getValue().length()).as(e.getKey()).isLessThanOrEqualTo((int) buffer);
      // dpf-payments-1-<oldest arrival>-<uuid>: events are up to 5 s older than their arrival.
      String name = e.getKey().substring(e.getKey().lastIndexOf('/') + "/dpf-payments-1-".length());
      java.time.Instant oldest =
          java.time.LocalDateTime.parse(name.substring(0, 19), names)
              .toInstant(java.time.ZoneOffset.UTC);
      for (String line : e.getValue().lines().toList()) {
        String time = line.replaceAll(".*\"payment_time\":\"([^\"]+)\".*", "$1");
        assertThat(java.time.Instant.parse(time))
            .as(e.getKey())
            .isAfter(oldest.minusSeconds(5))
            .isBefore(oldest.plusSeconds(SampleGenerator.FIREHOSE_INTERVAL_SECONDS));
      }
    }
    long bytes = sortedLines(small, "streaming/").stream().mapToLong(l -> l.length() + 1).sum();
    // An object cut for size and the next one hold more than the buffer together; the interval
    // cuts at most once per 15 minutes of the 30 hours events arrive in.
    assertThat(objects)
        .as("full buffers: few objects")
        .isLessThanOrEqualTo(2 * bytes / buffer + 120);
    assertThat(objects)
        .isLessThan(small.keySet().stream().filter(k -> k.startsWith("streaming/")).count());
  }

  private static List<String> sortedLines(java.util.Map<String, String> files, String prefix) {
    return files.entrySet().stream()
        .filter(e -> e.getKey().startsWith(prefix))
        .flatMap(e -> e.getValue().lines())
        .sorted()
        .toList();
  }

  private static java.util.Map<String, String> withoutPrefix(
      java.util.Map<String, String> files, String prefix) {
    var out = new java.util.TreeMap<>(files);
    out.keySet().removeIf(k -> k.startsWith(prefix));
    return out;
  }

  @Test
  void dmsChangesUpdateEveryNthLoadedCustomerAndOrderAndDeleteEveryTenthOfThose() {
    SampleGenerator generator = new SampleGenerator(1, 7L);
    var loaded = generator.files();
    var changes = generator.dmsChanges(25); // every 4th row of each full load
    assertThat(changes.keySet())
        .containsExactly(
            "dms/classicmodels/customers/2026/11/19/20261119-100000000.csv",
            "dms/classicmodels/orders/2026/11/19/20261119-100000000.csv");
    checkChanges(
        loaded.get("dms/classicmodels/customers/LOAD00000001.csv"),
        changes.get("dms/classicmodels/customers/2026/11/19/20261119-100000000.csv"),
        SampleGenerator.CUSTOMERS / 4);
    checkChanges(
        loaded.get("dms/classicmodels/orders/LOAD00000001.csv"),
        changes.get("dms/classicmodels/orders/2026/11/19/20261119-100000000.csv"),
        SampleGenerator.ORDERS / 4);
    assertThat(generator.dmsChanges(25)).isEqualTo(changes);
  }

  /**
   * The CDC file holds, in order, the keys of every 4th row of the full load, each an update but
   * the tenth (a delete), with the full load's header behind an Op column; {@code count} changes.
   */
  private static void checkChanges(String load, String cdc, int count) {
    List<String> loadLines = load.lines().toList();
    List<String> cdcLines = cdc.lines().toList();
    assertThat(cdcLines.get(0)).isEqualTo("Op," + loadLines.get(0));
    assertThat(cdcLines).hasSize(count + 1);
    for (int n = 0; n < count; n++) {
      String[] change = cdcLines.get(n + 1).split(",", 4);
      String[] row = loadLines.get(1 + 4 * n).split(",", 3);
      assertThat(change[0]).isEqualTo(n == 9 ? "D" : "U");
      assertThat(change[1]).startsWith("2026-11-19 10:");
      assertThat(change[2]).isEqualTo(row[1]); // the key: the first column after the timestamp
    }
  }

  @Test
  void quotesCsvFieldsThatNeedIt() {
    assertThat(SampleText.csvField("Dragon Souveniers, Ltd."))
        .isEqualTo("\"Dragon Souveniers, Ltd.\"");
    assertThat(SampleText.csvField("say \"hi\"")).isEqualTo("\"say \"\"hi\"\"\"");
    assertThat(SampleText.csvField("plain")).isEqualTo("plain");
  }

  private static long lines(java.util.Map<String, String> files, String prefix) {
    return files.entrySet().stream()
        .filter(e -> e.getKey().startsWith(prefix))
        .mapToLong(e -> e.getValue().lines().count())
        .sum();
  }
}
