package dev.dpf.core.generate;

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
  void quotesCsvFieldsThatNeedIt() {
    assertThat(SampleGenerator.csvField("Dragon Souveniers, Ltd."))
        .isEqualTo("\"Dragon Souveniers, Ltd.\"");
    assertThat(SampleGenerator.csvField("say \"hi\"")).isEqualTo("\"say \"\"hi\"\"\"");
    assertThat(SampleGenerator.csvField("plain")).isEqualTo("plain");
  }

  private static long lines(java.util.Map<String, String> files, String prefix) {
    return files.entrySet().stream()
        .filter(e -> e.getKey().startsWith(prefix))
        .mapToLong(e -> e.getValue().lines().count())
        .sum();
  }
}
