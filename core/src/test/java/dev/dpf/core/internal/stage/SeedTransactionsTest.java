package dev.dpf.core.internal.stage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import dev.dpf.core.api.RawRoot;
import dev.dpf.core.api.TableResult;
import dev.dpf.core.pipeline.Pipeline;
import dev.dpf.core.storage.Lake;
import dev.dpf.core.testing.RawFiles;
import dev.dpf.core.testing.Repo;
import dev.dpf.core.testing.SparkExtension;
import dev.dpf.definition.Definitions;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The blueprint's real flat file, alone in a raw root: the other sources are reported and skipped.
 */
class SeedTransactionsTest {
  private final SparkSession spark = SparkExtension.session();

  @Test
  void ingestsTheBlueprintFlatFileExactly(@TempDir Path raw, @TempDir Path lakeDir)
      throws Exception {
    Path seed = Repo.seedData().resolve("transaction_data.csv");
    Path target = raw.resolve("files/transactions/transaction_data.csv");
    Files.createDirectories(target.getParent());
    Files.copy(seed, target);
    List<TableResult> results = new ArrayList<>();

    Pipeline.builder(
            spark,
            Definitions.load(Repo.root().resolve("src/pipeline.yaml")),
            new Lake(spark, lakeDir.toString()))
        .run("seed", Instant.parse("2026-11-24T00:00:00Z"))
        .listener(results::add)
        .build()
        .run(RawRoot.open(raw.toString(), spark.sparkContext().hadoopConfiguration()));

    assertThat(results)
        .extracting(
            TableResult::table, TableResult::status, TableResult::rowsWritten, TableResult::note)
        .contains(
            tuple(
                "consolidated.payments",
                TableResult.Status.SKIPPED,
                0L,
                // A source path with no folder: a warning, no close folder to name.
                "no folder streaming/payments/ under the raw root"),
            tuple(
                "consolidated.transactions",
                TableResult.Status.OK,
                1000L,
                "1 new file(s), " + Files.size(seed) + " bytes"),
            tuple(
                "transformed.customers",
                TableResult.Status.SKIPPED,
                0L,
                "consolidated.customers does not exist (nothing ingested)"),
            tuple(
                "transformed.customer_data",
                TableResult.Status.SKIPPED,
                0L,
                "needs transformed.customers, transformed.payments (not in the lake)"),
            tuple(
                "curated.customer_data_usa",
                TableResult.Status.SKIPPED,
                0L,
                "needs transformed.customer_data (not in the lake)"),
            tuple(
                "curated.transactions",
                TableResult.Status.OK,
                1000L,
                "from transformed.transactions; rebuilt (first run)"));

    Row facts =
        spark
            .sql(
                "SELECT count(*), count(DISTINCT transaction_id), count_if(approved), sum(amount),"
                    + " min(transaction_date), max(transaction_date) FROM curated.transactions")
            .head();
    assertThat(facts.getLong(0)).isEqualTo(1000);
    assertThat(facts.getLong(1)).isEqualTo(1000);
    assertThat(facts.getLong(2)).isEqualTo(511);
    assertThat(facts.getDecimal(3)).isEqualByComparingTo(new BigDecimal("2482680.89"));
    assertThat(facts.getDate(4).toLocalDate()).isEqualTo(LocalDate.of(2020, 9, 1));
    assertThat(facts.getDate(5).toLocalDate()).isEqualTo(LocalDate.of(2022, 4, 22));

    // Account numbers unchanged in the transformed zone, as text: the same multiset as the file's
    // fourth column; the curated table shows only their last four digits.
    List<List<String>> file = RawFiles.csv(Files.readString(seed));
    Set<String> fromFile = new HashSet<>();
    Set<String> maskedFromFile = new HashSet<>();
    for (List<String> r : file.subList(1, file.size())) {
      fromFile.add(r.get(0) + "/" + r.get(1) + "/" + r.get(3));
      maskedFromFile.add(r.get(1) + "/****" + r.get(3).substring(r.get(3).length() - 4));
    }
    Set<String> fromTable = new HashSet<>();
    spark
        .sql("SELECT customer_id, transaction_id, account_number FROM transformed.transactions")
        .collectAsList()
        .forEach(r -> fromTable.add(r.getInt(0) + "/" + r.getString(1) + "/" + r.getString(2)));
    assertThat(fromTable).hasSize(1000).isEqualTo(fromFile);
    Set<String> masked = new HashSet<>();
    spark
        .sql("SELECT transaction_id, account_number FROM curated.transactions")
        .collectAsList()
        .forEach(r -> masked.add(r.getString(0) + "/" + r.getString(1)));
    assertThat(masked).hasSize(1000).isEqualTo(maskedFromFile);
    assertThat(
            spark
                .table("curated.transactions")
                .schema()
                .apply("account_number")
                .dataType()
                .typeName())
        .isEqualTo("string");
  }
}
