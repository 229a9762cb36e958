package dev.dpf.core.internal.stage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dpf.core.api.TableResult;
import dev.dpf.core.testing.DatasetAssert;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * A transformed-zone model of 10,000 rows or more recomputed by key replaces its rows of the
 * touched keys in a MERGE that marks them deleted in deletion vectors: no untouched row is copied
 * (a replaceWhere rewrites every file holding a touched key). Its rows equal a full recompute.
 */
class DeletionVectorRecomputeTest extends IngestFixture {
  private static final String SOURCE = "c: {kind: dms, path: dms/db/c}";
  private static final String REST =
      """
      datasets:
        c:
          source: c
          key: [id]
          columns:
            id:   {type: int, nullable: false}
            name: {type: string}
      models:
        names:
          zone: transformed
          sql: models/names.sql
      """;
  private static final String SQL = "SELECT id, upper(name) AS name FROM transformed.c";
  private static final int ROWS = 12_000;

  @Test
  void aLargeTransformedModelReplacesTouchedKeysWithDeletionVectors() throws Exception {
    StringBuilder load = new StringBuilder("id,name\n");
    for (int id = 1; id <= ROWS; id++) {
      load.append(id).append(",name ").append(id).append('\n');
    }
    write("dms/db/c/LOAD00000001.csv", load.toString());
    run(SOURCE, REST, "r1", Map.of("models/names.sql", SQL));

    // Three customers renamed (spread over the table) and one deleted.
    write(
        "dms/db/c/20261118-100000000.csv",
        "Op,id,name\nU,7,seven\nU,6001,six thousand one\nU,11999,last but one\nD,42,gone\n");
    List<TableResult> second = run(SOURCE, REST, "r2", Map.of("models/names.sql", SQL));

    TableResult names =
        second.stream().filter(r -> r.table().equals("transformed.names")).findFirst().get();
    assertThat(names.note())
        .contains("recomputed the rows of 4 id key(s) changed in transformed.c")
        .contains(": 4 row(s) replaced by 3");
    Row merge =
        spark
            .sql("DESCRIBE HISTORY transformed.names LIMIT 1")
            .select("operation", "operationMetrics")
            .head();
    assertThat(merge.getString(0)).isEqualTo("MERGE");
    Map<String, String> metrics = merge.getJavaMap(1);
    assertThat(metrics.get("numTargetRowsCopied")).isEqualTo("0");
    assertThat(metrics.get("numTargetRowsDeleted")).isEqualTo("4");
    assertThat(Long.parseLong(metrics.get("numTargetDeletionVectorsAdded"))).isPositive();
    DatasetAssert.diff(
        DatasetAssert.rowsAsText(spark.sql(SQL)),
        DatasetAssert.rowsAsText(spark.table("transformed.names")));
    assertThat(spark.table("transformed.names").count()).isEqualTo(ROWS - 1);
  }
}
