package dev.dpf.core.internal.stage.datasets;

import static org.apache.spark.sql.functions.col;

import dev.dpf.core.api.Planned;
import dev.dpf.core.api.Stage;
import dev.dpf.core.api.SystemTables;
import dev.dpf.core.api.TableResult;
import dev.dpf.core.internal.stage.StageLog;
import dev.dpf.core.internal.transform.Columns;
import dev.dpf.core.internal.transform.Conform;
import dev.dpf.core.internal.transform.History;
import dev.dpf.core.internal.transform.Quarantine;
import dev.dpf.core.storage.DeltaWriter;
import dev.dpf.core.storage.Lake;
import dev.dpf.definition.DatasetDef;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * Writes an scd2 dataset's history table ({@code <dataset>_history}): every version of every key,
 * with {@code valid_from}, {@code valid_to} and {@code is_current} ({@link History#versions}).
 */
public final class HistoryWriter {
  private final Lake lake;
  private final DeltaWriter writer;

  HistoryWriter(Lake lake, DeltaWriter writer) {
    this.lake = lake;
    this.writer = writer;
  }

  /**
   * The SCD2 history, rebuilt from every change of the dataset that passed, exactly the rows its
   * table was built from: {@code allValid}, or (null) every consolidated row up to ingest batch
   * {@code batchTo} that conforms and that the dataset's quarantine does not hold (a row a quality
   * rule quarantined is no version, as it is no row of the table). The quarantine is written first.
   */
  TableResult write(
      DatasetDef dataset,
      Dataset<Row> allValid,
      List<String> extra,
      long batchTo,
      Planned.Action action) {
    long start = System.nanoTime();
    if (allValid == null) {
      Dataset<Row> all =
          lake.read(dataset.sourceTableName()).filter(col(Columns.BATCH_ID).leq(batchTo));
      if (lake.exists(SystemTables.QUARANTINE)) {
        all = Quarantine.notQuarantined(all, lake.read(SystemTables.QUARANTINE), dataset.name());
      }
      allValid = Conform.selectValid(dataset, Conform.withConformed(dataset, all), extra);
    }
    long changes = allValid.count();
    long versions =
        writer.overwrite(
            dataset.historyTableName(), History.versions(dataset, allValid), List.of());
    return TableResult.of(Stage.TRANSFORM, dataset.qualifiedHistoryTable(), TableResult.Status.OK)
        .action(action)
        .read(changes)
        .written(versions)
        .superseded(changes - versions)
        .seconds(StageLog.seconds(start))
        .note("SCD2 versions of " + dataset.table() + " (superseded: deletes and repeats)")
        .build();
  }

  /** The schema of an scd2 dataset's history table over {@code consolidated}'s columns. */
  public static StructType schema(DatasetDef dataset, Dataset<Row> consolidated) {
    return History.versions(
            dataset,
            Conform.selectValid(dataset, Conform.withConformed(dataset, consolidated), List.of()))
        .schema();
  }
}
