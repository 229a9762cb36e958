package dev.dpf.core.pipeline;

import dev.dpf.core.api.LineageGraph;
import dev.dpf.core.api.QualityResult;
import dev.dpf.core.api.RawRoot;
import dev.dpf.core.api.Stage;
import dev.dpf.core.api.TableResult;
import dev.dpf.core.internal.stage.Codegen;
import dev.dpf.core.internal.stage.RunContext;
import dev.dpf.core.internal.stage.ShufflePartitions;
import dev.dpf.core.internal.stage.StageLog;
import dev.dpf.core.internal.stage.TableScheduler;
import dev.dpf.core.internal.stage.datasets.Transform;
import dev.dpf.core.internal.stage.models.Models;
import dev.dpf.core.internal.stage.sources.Ingest;
import dev.dpf.core.internal.system.QualityLog;
import dev.dpf.core.storage.DeltaWriter;
import dev.dpf.core.storage.Lake;
import dev.dpf.definition.DatasetDef;
import dev.dpf.definition.ModelDef;
import dev.dpf.definition.PipelineDefinition;
import dev.dpf.definition.SourceDef;
import dev.dpf.definition.TableName;
import dev.dpf.definition.Zone;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.spark.sql.SparkSession;

/**
 * The work of each stage over the selected tables: one task per table, run in dependency order on
 * several threads ({@link TableScheduler}), with code generation and shuffle partitions sized to
 * the stage's input; tables outside the selection are reported {@code not selected}.
 */
final class Stages {
  private final SparkSession spark;
  private final PipelineDefinition definition;
  private final Lake lake;
  private final DeltaWriter writer;
  private final String runId;
  private final StageLog log;
  private final List<QualityResult> quality;
  private final Predicate<String> selected;
  private final Supplier<Models> models;

  /**
   * @param quality where the stages' quality results go, in order
   * @param selected whether a table ({@code zone.name}) is in the run's selection
   */
  Stages(
      RunContext run,
      StageLog log,
      List<QualityResult> quality,
      Predicate<String> selected,
      Supplier<Models> models) {
    this.spark = run.spark();
    this.definition = run.definition();
    this.lake = run.lake();
    this.writer = run.writer();
    this.runId = run.runId();
    this.log = log;
    this.quality = quality;
    this.selected = selected;
    this.models = models;
  }

  private LineageGraph graph;

  /** The definition's table graph, made on first use. */
  private synchronized LineageGraph graph() {
    if (graph == null) {
      graph = LineageGraph.of(spark, definition);
    }
    return graph;
  }

  /** The selected sources ingested with {@code ingest}. */
  List<TableResult> ingest(RawRoot raw, Ingest ingest) {
    List<TableScheduler.Task> tasks = new ArrayList<>();
    long bytes = 0;
    for (SourceDef source : definition.sources()) {
      if (!selected.test(source.table())) {
        continue;
      }
      RawRoot.Listing listed = ingest.listing(raw, source);
      bytes += listed.files().stream().mapToLong(RawRoot.RawFile::size).sum();
      tasks.add(
          new TableScheduler.Task(
              source.table(),
              Set.of(),
              () ->
                  log.step(
                      Stage.INGEST,
                      source.table(),
                      () -> List.of(ingest.source(raw, source, listed)))));
    }
    try (Codegen c = Codegen.forInput(spark, Stage.INGEST.label(), bytes)) {
      List<TableResult> out = new ArrayList<>(TableScheduler.run(spark, tasks, true));
      out.addAll(
          notSelected(Stage.INGEST, definition.sources().stream().map(SourceDef::table).toList()));
      return out;
    } finally {
      ingest.closeBatches();
    }
  }

  /** The selected datasets transformed with {@code transform}, then the transformed models. */
  List<TableResult> transform(Transform transform) {
    List<TableResult> out = new ArrayList<>();
    List<TableScheduler.Task> tasks = new ArrayList<>();
    List<DatasetDef> datasets =
        definition.datasets().stream().filter(d -> selected.test(d.table())).toList();
    for (DatasetDef dataset : datasets) {
      Set<String> after = graph().inputs(dataset.table(), LineageGraph.Kind.REFERENCES);
      tasks.add(
          new TableScheduler.Task(
              dataset.table(),
              after,
              () -> log.step(Stage.TRANSFORM, dataset.table(), () -> transform.dataset(dataset))));
    }
    Set<TableName> sources = new HashSet<>();
    datasets.forEach(d -> sources.add(d.sourceTableName()));
    long bytes = 0;
    for (TableName source : sources) {
      bytes = plus(bytes, lake.sizeBytes(source));
    }
    try (Codegen c = Codegen.forInput(spark, "transform datasets", bytes);
        ShufflePartitions p = ShufflePartitions.forInput(spark, "transform datasets", bytes)) {
      try {
        out.addAll(TableScheduler.run(spark, tasks, false));
      } finally {
        transform.logApplied();
        quality.addAll(transform.quality(datasets));
        QualityLog.append(spark, writer, runId, transform.qualityToLog(datasets));
      }
    }
    for (DatasetDef d : definition.datasets()) {
      if (!selected.test(d.table())) {
        Transform.withHistory(d, TableResult.notSelected(Stage.TRANSFORM, d.table()))
            .forEach(r -> out.add(log.report(r)));
      }
    }
    models.get().enableChangeFeeds();
    out.addAll(runModels(Stage.TRANSFORM, Zone.TRANSFORMED));
    return out;
  }

  /** The selected datasets' quarantined rows replayed with {@code transform}. */
  List<TableResult> replay(Transform transform) {
    List<DatasetDef> datasets =
        definition.datasets().stream().filter(d -> selected.test(d.table())).toList();
    List<TableResult> out = new ArrayList<>();
    try {
      for (DatasetDef d : datasets) {
        out.addAll(log.step(Stage.REPLAY, d.table(), () -> transform.replay(d)));
      }
    } finally {
      quality.addAll(transform.quality(datasets));
      QualityLog.append(spark, writer, runId, transform.qualityToLog(datasets));
    }
    out.addAll(
        notSelected(Stage.REPLAY, definition.datasets().stream().map(DatasetDef::table).toList()));
    return out;
  }

  /** The curated models. */
  List<TableResult> curate() {
    models.get().enableChangeFeeds();
    return runModels(Stage.CURATE, Zone.CURATED);
  }

  /** The zone's models, each once the models it reads are done. */
  private List<TableResult> runModels(Stage stage, Zone zone) {
    List<TableScheduler.Task> tasks = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    for (ModelDef model : models.get().ordered(zone)) {
      if (!selected.test(model.table())) {
        skipped.add(model.table());
        continue;
      }
      tasks.add(
          new TableScheduler.Task(
              model.table(),
              graph().inputs(model.table()),
              () -> log.step(stage, model.table(), () -> List.of(models.get().run(stage, model)))));
    }
    long bytes = inputBytes(tasks);
    List<TableResult> out = new ArrayList<>();
    try (Codegen c = Codegen.forInput(spark, stage + " models", bytes);
        ShufflePartitions p = ShufflePartitions.forInput(spark, stage + " models", bytes)) {
      out.addAll(TableScheduler.run(spark, tasks, false));
    } finally {
      List<ModelDef> ordered = models.get().ordered(zone);
      quality.addAll(models.get().quality(ordered));
      QualityLog.append(spark, writer, runId, models.get().qualityToLog(ordered));
    }
    out.addAll(notSelected(stage, skipped));
    return out;
  }

  /**
   * The bytes of the tables the tasks read that exist before they run (the tables a model reads
   * among the same tasks are made from those).
   */
  private long inputBytes(List<TableScheduler.Task> tasks) {
    Set<String> made = new HashSet<>();
    tasks.forEach(t -> made.add(t.table()));
    Set<String> read = new HashSet<>();
    tasks.forEach(t -> read.addAll(t.after()));
    long bytes = 0;
    for (String table : read) {
      Optional<TableName> input = TableName.parse(table);
      if (!made.contains(table) && input.isPresent()) {
        bytes = plus(bytes, lake.sizeBytes(input.get()));
      }
    }
    return bytes;
  }

  /** {@code a + b}, or Long.MAX_VALUE when {@code b} is not known. */
  static long plus(long a, java.util.OptionalLong b) {
    return b.isPresent() && a != Long.MAX_VALUE ? a + b.getAsLong() : Long.MAX_VALUE;
  }

  /** Reports each of {@code tables} that is not selected; returns those results. */
  List<TableResult> notSelected(Stage stage, List<String> tables) {
    List<TableResult> out = new ArrayList<>();
    for (String t : tables) {
      if (!selected.test(t)) {
        out.add(log.report(TableResult.notSelected(stage, t)));
      }
    }
    return out;
  }
}
