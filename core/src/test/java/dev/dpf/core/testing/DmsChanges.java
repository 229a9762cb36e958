package dev.dpf.core.testing;

import dev.dpf.core.internal.transform.Columns;
import dev.dpf.definition.ColumnDef;
import dev.dpf.definition.ColumnType;
import dev.dpf.definition.DatasetDef;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * DMS changes of a small keyed dataset as the transform sees them (conformed rows with their
 * lineage), and a plain replay of them: a Java map applying the changes one by one in commit order.
 * The second, simple implementation the change-ordering tests compare the code with.
 */
public final class DmsChanges {
  private DmsChanges() {}

  /** {@code t}: key {@code id} (int), value {@code v} (string). */
  public static final DatasetDef DATASET =
      new DatasetDef(
          "t",
          "t",
          List.of("id"),
          List.of(
              new ColumnDef(
                  "id", "id", new ColumnType(ColumnType.Base.INT, 0, 0), Optional.empty(), false),
              new ColumnDef(
                  "v", "v", new ColumnType(ColumnType.Base.STRING, 0, 0), Optional.empty(), true)),
          List.of());

  /** The dataset's columns and the lineage every file source has. */
  public static final StructType LINEAGE =
      new StructType()
          .add("id", DataTypes.IntegerType)
          .add("v", DataTypes.StringType)
          .add(Columns.SOURCE_FILE, DataTypes.StringType)
          .add(Columns.ROW_NUMBER, DataTypes.LongType)
          .add(Columns.BATCH_ID, DataTypes.LongType);

  /** {@link #LINEAGE} with DMS's Op and commit timestamp. */
  public static final StructType SCHEMA =
      LINEAGE.add(Columns.OP, DataTypes.StringType).add(Columns.COMMIT_TS, DataTypes.StringType);

  /**
   * One DMS change as the consolidated table holds it; {@code op} is null for a full-load row that
   * carries none, {@code ts} null without commit timestamps.
   */
  public record Change(int id, String v, String file, long row, long batch, String op, String ts) {
    public Row toRow() {
      return RowFactory.create(id, v, file, row, batch, op, ts);
    }

    /** The file's name, after its folders. */
    public String name() {
      return file.substring(file.lastIndexOf('/') + 1);
    }
  }

  /** The changes as conformed rows ({@link #SCHEMA}). */
  public static Dataset<Row> frame(SparkSession spark, List<Change> changes) {
    return spark.createDataFrame(changes.stream().map(Change::toRow).toList(), SCHEMA);
  }

  /**
   * The state the changes leave, by key, as {@code id|v}: applied in commit order, which is
   * timestamp (none first), full load first, file name (a DMS CDC file is named by its time),
   * batch, file, row.
   */
  public static List<String> replay(List<Change> changes) {
    Map<Integer, String> state = new TreeMap<>();
    for (Change c : inCommitOrder(changes)) {
      if ("D".equals(c.op())) {
        state.remove(c.id());
      } else {
        state.put(c.id(), c.v());
      }
    }
    return state.entrySet().stream().map(e -> e.getKey() + "|" + e.getValue()).toList();
  }

  /** The keys whose last change, in commit order, deletes them. */
  public static List<String> deletedKeys(List<Change> changes) {
    Map<Integer, String> lastOp = new TreeMap<>();
    for (Change c : inCommitOrder(changes)) {
      lastOp.put(c.id(), String.valueOf(c.op()));
    }
    return lastOp.entrySet().stream()
        .filter(e -> e.getValue().equals("D"))
        .map(e -> String.valueOf(e.getKey()))
        .toList();
  }

  private static List<Change> inCommitOrder(List<Change> changes) {
    List<Change> ordered = new ArrayList<>(changes);
    ordered.sort(
        Comparator.comparing(Change::ts, Comparator.nullsFirst(Comparator.<String>naturalOrder()))
            .thenComparingInt(c -> c.name().startsWith("LOAD") ? 0 : 1)
            .thenComparing(Change::name)
            .thenComparingLong(Change::batch)
            .thenComparing(Change::file)
            .thenComparingLong(Change::row));
    return ordered;
  }
}
