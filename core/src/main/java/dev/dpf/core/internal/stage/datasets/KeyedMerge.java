package dev.dpf.core.internal.stage.datasets;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import dev.dpf.core.DpfException;
import dev.dpf.core.internal.stage.StageLog;
import dev.dpf.core.internal.transform.Changes;
import dev.dpf.core.internal.transform.Columns;
import dev.dpf.core.internal.transform.Conform;
import dev.dpf.core.storage.DeltaWriter;
import dev.dpf.core.storage.Lake;
import dev.dpf.definition.DatasetDef;
import dev.dpf.definition.TableName;
import dev.dpf.definition.Zone;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Writes a dataset's valid rows to its table: a rebuild overwrites it with the current state of
 * every key; new rows are merged with Delta MERGE (appended when all of them are of keys the table
 * has no row of), each change applied only if it is later than the state the table holds for its
 * key (inserts and updates upsert, deletes delete). Deleted keys keep the sequence of their delete
 * in {@code _system.deleted_<dataset>}, so a late change never resurrects a deleted key. A dataset
 * without a key is appended, once per batch.
 */
public final class KeyedMerge {
  private static final String APPLY = "__apply";
  private static final String LIVE = "__live_seq";
  private static final String TOMB = "__tomb_seq";

  private final Lake lake;
  private final DeltaWriter writer;

  KeyedMerge(Lake lake, DeltaWriter writer) {
    this.lake = lake;
    this.writer = writer;
  }

  /** What one write did: rows written to the table, rows superseded, and what to tell. */
  record Applied(long written, long superseded, long expectedWritten, String note) {}

  /** {@code system.deleted_<dataset>}: each deleted key with the sequence of its delete. */
  public static TableName deletedTable(DatasetDef dataset) {
    return new TableName(Zone.SYSTEM, "deleted_" + dataset.name());
  }

  /** Every valid row ranked; the table overwritten with the current state. */
  Applied rebuild(DatasetDef dataset, Dataset<Row> valid, List<String> extra) {
    Dataset<Row> ranked = Changes.ranked(dataset, valid);
    ranked.persist(StageLog.WORKING_SET);
    try {
      Dataset<Row> current = Changes.current(ranked);
      long written =
          writer.overwrite(
              dataset.tableName(), Conform.project(dataset, current, extra), dataset.partitionBy());
      if (!dataset.key().isEmpty()) {
        writer.enableDeletionVectors(dataset.tableName());
      }
      long superseded = Changes.superseded(ranked).count();
      String note = "";
      if (Arrays.asList(valid.columns()).contains(Columns.OP) && !dataset.key().isEmpty()) {
        long deleted =
            writer.overwrite(
                deletedTable(dataset),
                keysAndSeq(dataset, Changes.latest(ranked).filter(col(Columns.OP).equalTo("D"))),
                List.of());
        note = "; " + deleted + " deleted key(s) remembered";
      }
      return new Applied(written, superseded, written, note);
    } finally {
      ranked.unpersist();
    }
  }

  /**
   * Merges valid rows into the table: by key (the latest change of a key wins, null-safe), or
   * appended as the commit {@code (appId, version)} when the dataset has no key (written once).
   */
  Applied merge(
      DatasetDef dataset,
      Dataset<Row> valid,
      List<String> extra,
      String appId,
      long version,
      long newRows) {
    if (dataset.key().isEmpty()) {
      Dataset<Row> rows = Conform.project(dataset, valid, extra);
      long written =
          writer.appendOnce(dataset.tableName(), rows, dataset.partitionBy(), appId, version);
      long all = written < 0 ? rows.count() : written;
      return new Applied(all, 0, all, "");
    }
    boolean dms = Arrays.asList(valid.columns()).contains(Columns.OP);
    Dataset<Row> latest = Changes.latest(Changes.ranked(dataset, valid));
    Dataset<Row> decided = decide(dataset, latest, dms, newRows <= FEW_CHANGES);
    Row n =
        decided
            .agg(
                count(lit(1)),
                sum(when(col(APPLY).and(notDelete(dms)), 1).otherwise(0)),
                sum(
                    when(col(APPLY).and(notDelete(dms).unary_$bang()).and(col(LIVE).isNotNull()), 1)
                        .otherwise(0)),
                // Rows the deleted-keys MERGE can change: deletes, and changes of deleted keys.
                sum(when(notDelete(dms).unary_$bang().or(col(TOMB).isNotNull()), 1).otherwise(0)),
                // Upserts of keys the table has no row of: inserts.
                sum(when(col(APPLY).and(notDelete(dms)).and(col(LIVE).isNull()), 1).otherwise(0)))
            .head();
    long validRows = valid.count();
    // Sums over no rows (every new row quarantined) are null.
    long upserts = n.isNullAt(1) ? 0 : n.getLong(1);
    long deletes = n.isNullAt(2) ? 0 : n.getLong(2);
    long inserts = n.isNullAt(4) ? 0 : n.getLong(4);
    long[] done;
    if (upserts + deletes == 0) {
      done = new long[] {0, 0};
    } else if (inserts == upserts && deletes == 0) {
      // Only new keys (new events, most often): appended, with no MERGE scanning the table's
      // files for rows to match. A repeat after a crash finds them in the table and appends none.
      done = new long[] {appendNew(dataset, decided.filter(notDelete(dms)), extra), 0};
    } else {
      done = mergeTable(dataset, decided, dms, extra, upserts + deletes);
    }
    if (dms && !n.isNullAt(3) && n.getLong(3) > 0) {
      mergeDeletedKeys(dataset, decided);
    }
    long written = done[0];
    long deleted = done[1];
    if (written != upserts || deleted != deletes) {
      throw new DpfException(
          "Reconciliation failed for "
              + dataset.table()
              + ": the MERGE should have inserted or updated "
              + upserts
              + " and deleted "
              + deletes
              + " row(s), but Delta reports "
              + written
              + " and "
              + deleted
              + ". Was the table changed by another writer? Re-run the transform");
    }
    return new Applied(
        written,
        validRows - upserts,
        upserts,
        "; " + deletes + " deleted, " + (n.getLong(0) - upserts - deletes) + " late or unchanged");
  }

  /** Appends the decided upserts that apply, all of keys the table has no row of. */
  private long appendNew(DatasetDef dataset, Dataset<Row> decided, List<String> extra) {
    return writer.append(
        dataset.tableName(),
        Conform.project(dataset, decided.filter(col(APPLY)), extra),
        dataset.partitionBy());
  }

  /**
   * MERGEs the decided changes that apply into the table: a later change of a key updates its row
   * (a DMS delete removes it), a new key is inserted. Returns the rows {inserted or updated,
   * deleted} as Delta reports them.
   */
  private long[] mergeTable(
      DatasetDef dataset, Dataset<Row> decided, boolean dms, List<String> extra, long due) {
    Map<String, String> set = new LinkedHashMap<>();
    for (String c : Conform.tableColumns(dataset, extra)) {
      set.put(Conform.quote(c), "s." + Conform.quote(c));
    }
    DeltaWriter.Commit commit =
        writer
            .merge(
                dataset.tableName(),
                table -> {
                  var merge =
                      table.as("t").merge(decided.filter(col(APPLY)).as("s"), keyMatch(dataset));
                  if (dms) {
                    merge = merge.whenMatched("s._seq > t._seq AND s._op = 'D'").delete();
                  }
                  merge = merge.whenMatched("s._seq > t._seq").updateExpr(set);
                  return dms
                      ? merge.whenNotMatched("s._op IS NULL OR s._op <> 'D'").insertExpr(set)
                      : merge.whenNotMatched().insertExpr(set);
                })
            .orElseThrow(
                () ->
                    new DpfException(
                        "MERGE into "
                            + dataset.table()
                            + " changed nothing, but "
                            + due
                            + " change(s) were due. Was the table changed by another writer?"
                            + " Re-run the transform"));
    return new long[] {
      commit.metric("numTargetRowsInserted") + commit.metric("numTargetRowsUpdated"),
      commit.metric("numTargetRowsDeleted")
    };
  }

  /**
   * MERGEs the deletes into the dataset's deleted keys (a later delete moves a key's sequence on)
   * and removes the keys that a later change brought back.
   */
  private void mergeDeletedKeys(DatasetDef dataset, Dataset<Row> decided) {
    Map<String, String> insert = new LinkedHashMap<>();
    for (String k : dataset.key()) {
      insert.put(Conform.quote(k), "s." + Conform.quote(k));
    }
    insert.put(Changes.SEQ, "s." + Changes.SEQ);
    writer.merge(
        deletedTable(dataset),
        table ->
            table
                .as("t")
                .merge(keysAndSeq(dataset, decided, Columns.OP, APPLY).as("s"), keyMatch(dataset))
                .whenMatched("s._seq > t._seq AND s._op = 'D'")
                .updateExpr(Map.of(Changes.SEQ, "s." + Changes.SEQ))
                .whenMatched("s._seq > t._seq AND (s._op IS NULL OR s._op <> 'D')")
                .delete()
                .whenNotMatched("s._op = 'D' AND s." + APPLY)
                .insertExpr(insert));
  }

  /**
   * Each latest change with the sequences the table and the deleted keys hold for its key, and
   * whether it applies: it is later than the key's live row, or (no live row) than its delete.
   * Cached, so the counts and both MERGEs see the state from before them.
   */
  private Dataset<Row> decide(DatasetDef dataset, Dataset<Row> latest, boolean dms, boolean few) {
    // With few changes, the keys to look up are the changes' own (not those of the rows joined so
    // far: the second lookup would read the table of the first again).
    Optional<Dataset<Row>> keys = few ? Optional.of(latest) : Optional.empty();
    Dataset<Row> joined = latest;
    joined = withSeqOf(dataset, joined, lake.read(dataset.tableName()), LIVE, keys);
    if (dms) {
      joined = withSeqOf(dataset, joined, lake.read(deletedTable(dataset)), TOMB, keys);
    } else {
      joined =
          joined.withColumn(TOMB, lit(null).cast(joined.schema().apply(Changes.SEQ).dataType()));
    }
    Column seq = col(Changes.SEQ);
    Column apply =
        when(col(LIVE).isNotNull(), seq.gt(col(LIVE)))
            .otherwise(col(TOMB).isNull().or(seq.gt(col(TOMB))));
    return joined.withColumn(APPLY, apply).localCheckpoint(true);
  }

  /**
   * The rows with the sequence {@code state} holds for their key (null when it has none). Given
   * {@code few} changes, the state's rows of other keys are dropped as it is read, by a broadcast
   * of the changes' keys: a small batch then costs a scan of the table, not a shuffle of it.
   */
  private static Dataset<Row> withSeqOf(
      DatasetDef dataset,
      Dataset<Row> rows,
      Dataset<Row> state,
      String as,
      Optional<Dataset<Row>> few) {
    List<Column> select = new ArrayList<>();
    List<Column> keys = new ArrayList<>();
    Column on = lit(true);
    Column sameKey = lit(true);
    for (String k : dataset.key()) {
      select.add(col(Conform.quote(k)).as("__k_" + k));
      keys.add(col(Conform.quote(k)).as("__n_" + k));
      on = on.and(col(Conform.quote(k)).eqNullSafe(col("__k_" + k)));
      sameKey = sameKey.and(col("__k_" + k).eqNullSafe(col("__n_" + k)));
    }
    select.add(col(Changes.SEQ).as(as));
    Dataset<Row> seqs = state.select(select.toArray(Column[]::new));
    if (few.isPresent()) {
      Dataset<Row> changed = few.get().select(keys.toArray(Column[]::new));
      seqs = seqs.join(org.apache.spark.sql.functions.broadcast(changed), sameKey, "left_semi");
    }
    Dataset<Row> joined = rows.join(seqs, on, "left");
    for (String k : dataset.key()) {
      joined = joined.drop("__k_" + k);
    }
    return joined;
  }

  /** New rows up to this many are few enough to broadcast their keys ({@link #withSeqOf}). */
  private static final long FEW_CHANGES = 200_000;

  private static Column notDelete(boolean dms) {
    return dms ? col(Columns.OP).isNull().or(col(Columns.OP).notEqual("D")) : lit(true);
  }

  private static String keyMatch(DatasetDef dataset) {
    return String.join(
        " AND ",
        dataset.key().stream()
            .map(k -> "t." + Conform.quote(k) + " <=> s." + Conform.quote(k))
            .toList());
  }

  /** The rows' key columns, their change sequence, then {@code more} columns. */
  private static Dataset<Row> keysAndSeq(DatasetDef dataset, Dataset<Row> rows, String... more) {
    List<Column> cols = new ArrayList<>();
    dataset.key().forEach(k -> cols.add(col(Conform.quote(k))));
    cols.add(col(Changes.SEQ));
    for (String m : more) {
      cols.add(col(m));
    }
    return rows.select(cols.toArray(Column[]::new));
  }
}
