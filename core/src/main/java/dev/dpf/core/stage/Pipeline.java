package dev.dpf.core.stage;

import dev.dpf.core.DpfException;
import dev.dpf.core.definition.DatasetDef;
import dev.dpf.core.definition.ModelDef;
import dev.dpf.core.definition.PipelineDefinition;
import dev.dpf.core.definition.SourceDef;
import dev.dpf.core.definition.Zone;
import dev.dpf.core.quality.QualityLog;
import dev.dpf.core.quality.QualityResult;
import dev.dpf.core.storage.Lake;
import dev.dpf.core.storage.RawRoot;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The three generic stages, driven by the definition: ingest (raw to consolidated), transform
 * (consolidated to transformed) and curate (transformed to curated). Each stage reports one {@link
 * TableResult} per table to the listener as it finishes it, and returns them all.
 */
public final class Pipeline {
  private static final Logger LOG = LoggerFactory.getLogger(Pipeline.class);

  private final SparkSession spark;
  private final PipelineDefinition definition;
  private final Lake lake;
  private final String runId;
  private final Instant startedAt;
  private final Consumer<TableResult> listener;
  private final List<QualityResult> quality = new ArrayList<>();

  /**
   * @param runId identifies this run in lineage and quarantine columns
   * @param startedAt the run's start, stamped as {@code _ingested_at}
   * @param listener told of each table as it finishes
   */
  public Pipeline(
      SparkSession spark,
      PipelineDefinition definition,
      Lake lake,
      String runId,
      Instant startedAt,
      Consumer<TableResult> listener) {
    this.spark = spark;
    this.definition = definition;
    this.lake = lake;
    this.runId = runId;
    this.startedAt = startedAt;
    this.listener = listener;
  }

  /** All three stages in order. */
  public List<TableResult> run(RawRoot raw) {
    List<TableResult> all = new ArrayList<>(ingest(raw));
    all.addAll(transform());
    all.addAll(curate());
    return all;
  }

  /**
   * Raw to consolidated: appends the records of raw files not ingested before; every record kept.
   */
  public List<TableResult> ingest(RawRoot raw) {
    Ingest ingest = new Ingest(spark, definition, lake, runId, startedAt);
    List<TableResult> out = new ArrayList<>();
    for (SourceDef source : definition.sources()) {
      out.add(report(ingest.source(raw, source)));
    }
    return logged(out);
  }

  /**
   * Consolidated to transformed: each dataset conformed to its types, then the transformed-zone
   * models.
   */
  public List<TableResult> transform() {
    List<TableResult> out = new ArrayList<>();
    Transform transform = new Transform(spark, lake, runId, startedAt);
    try {
      for (DatasetDef dataset : definition.datasets()) {
        for (TableResult r : transform.dataset(dataset)) {
          out.add(report(r));
        }
      }
    } finally {
      quality.addAll(transform.quality());
      QualityLog.append(spark, lake, runId, transform.quality());
    }
    for (ModelDef model : ordered(Zone.TRANSFORMED)) {
      out.add(report(runModel("transform", model)));
    }
    return logged(out);
  }

  /** The quality rules' results of this pipeline's transforms so far, in order. */
  public List<QualityResult> quality() {
    return List.copyOf(quality);
  }

  /** Transformed to curated: the curated-zone models, in dependency order. */
  public List<TableResult> curate() {
    List<TableResult> out = new ArrayList<>();
    for (ModelDef model : ordered(Zone.CURATED)) {
      out.add(report(runModel("curate", model)));
    }
    return logged(out);
  }

  /** Appends the stage's results to the run log, {@code _system.runs}. */
  private List<TableResult> logged(List<TableResult> results) {
    RunLog.append(spark, lake, runId, results);
    return results;
  }

  private TableResult runModel(String stage, ModelDef model) {
    long start = System.nanoTime();
    Set<String> refs = ModelSql.references(spark, model);
    List<String> missing = new ArrayList<>();
    for (String ref : refs) {
      Zone zone = zoneOf(ref, model);
      String name = ref.substring(ref.indexOf('.') + 1);
      if (lake.exists(zone, name)) {
        lake.register(zone, name); // so the SQL resolves to this lake's table
      } else {
        missing.add(ref);
      }
    }
    if (!missing.isEmpty()) {
      return TableResult.skipped(
          stage,
          model.table(),
          seconds(start),
          "needs " + String.join(", ", missing) + " (not in the lake)");
    }
    spark.sparkContext().setJobDescription(stage + " " + model.name());
    Dataset<Row> rows;
    try {
      rows = spark.sql(model.sql());
    } catch (Exception e) {
      if (!(e instanceof org.apache.spark.sql.AnalysisException analysis)) {
        throw e;
      }
      throw new DpfException(
          "Model '"
              + model.name()
              + "' ("
              + model.file()
              + ") does not compile: "
              + analysis.getSimpleMessage().strip().replace('\n', ' ')
              + ". Fix the SQL file",
          e);
    }
    List<String> columns = Arrays.asList(rows.columns());
    for (String p : model.partitionBy()) {
      if (!columns.contains(p)) {
        throw new DpfException(
            "Model '"
                + model.name()
                + "' is partitioned by '"
                + p
                + "' but its SQL ("
                + model.file()
                + ") has no such column (columns: "
                + columns
                + "). Fix models."
                + model.name()
                + ".partition_by or the SQL");
      }
    }
    long written = lake.overwrite(model.zone(), model.name(), rows, model.partitionBy());
    return new TableResult(
        stage,
        model.table(),
        TableResult.Status.OK,
        written,
        written,
        0,
        0,
        seconds(start),
        "from " + String.join(", ", refs));
  }

  private Zone zoneOf(String ref, ModelDef model) {
    String db = ref.substring(0, ref.indexOf('.'));
    for (Zone z : List.of(Zone.CONSOLIDATED, Zone.TRANSFORMED, Zone.CURATED)) {
      if (z.dbName().equals(db) && z.ordinal() <= model.zone().ordinal()) {
        return z;
      }
    }
    throw new DpfException(
        "Model '"
            + model.name()
            + "' ("
            + model.file()
            + ") reads "
            + ref
            + ", but a "
            + model.zone().dbName()
            + " model may only read consolidated"
            + (model.zone() == Zone.CURATED ? ", transformed or curated" : " or transformed")
            + " tables. Fix the SQL file");
  }

  /**
   * The zone's models, each after the models of the same zone it reads; a cycle is an error naming
   * the files.
   */
  private List<ModelDef> ordered(Zone zone) {
    List<ModelDef> models = definition.models(zone);
    Map<String, ModelDef> byTable =
        models.stream().collect(Collectors.toMap(ModelDef::table, m -> m));
    List<ModelDef> out = new ArrayList<>();
    Set<String> visiting = new HashSet<>();
    Set<String> done = new HashSet<>();
    for (ModelDef m : models) {
      visit(m, byTable, visiting, done, out, new ArrayList<>());
    }
    return out;
  }

  private void visit(
      ModelDef m,
      Map<String, ModelDef> byTable,
      Set<String> visiting,
      Set<String> done,
      List<ModelDef> out,
      List<String> path) {
    if (done.contains(m.table())) {
      return;
    }
    path.add(m.name() + " (" + m.file() + ")");
    if (!visiting.add(m.table())) {
      throw new DpfException(
          "Models refer to each other in a cycle: "
              + String.join(" -> ", path)
              + ". Break the cycle in one of these SQL files");
    }
    for (String ref : ModelSql.references(spark, m)) {
      ModelDef dep = byTable.get(ref);
      if (dep != null) {
        visit(dep, byTable, visiting, done, out, path);
      }
    }
    visiting.remove(m.table());
    path.remove(path.size() - 1);
    done.add(m.table());
    out.add(m);
  }

  private TableResult report(TableResult r) {
    LOG.info(
        "{} {}: {} read={} written={} quarantined={} in {}s ({})",
        r.stage(),
        r.table(),
        r.status(),
        r.rowsRead(),
        r.rowsWritten(),
        r.rowsQuarantined(),
        String.format("%.1f", r.seconds()),
        r.note());
    listener.accept(r);
    return r;
  }

  static double seconds(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }
}
