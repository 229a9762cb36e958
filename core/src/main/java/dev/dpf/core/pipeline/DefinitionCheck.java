package dev.dpf.core.pipeline;

import dev.dpf.core.DpfException;
import dev.dpf.core.api.ColumnOrigin;
import dev.dpf.core.internal.pii.ColumnLineage;
import dev.dpf.core.internal.quality.ExpectRules;
import dev.dpf.core.internal.quality.Quality;
import dev.dpf.core.internal.stage.RunContext;
import dev.dpf.core.internal.stage.datasets.HistoryWriter;
import dev.dpf.core.internal.stage.datasets.Transform;
import dev.dpf.core.internal.stage.models.DeclaredCatalog;
import dev.dpf.core.internal.stage.models.Models;
import dev.dpf.core.internal.stage.sources.ConsolidatedColumns;
import dev.dpf.core.internal.transform.Conform;
import dev.dpf.core.storage.Lake;
import dev.dpf.definition.DatasetDef;
import dev.dpf.definition.DefinitionWriter;
import dev.dpf.definition.ModelDef;
import dev.dpf.definition.PipelineDefinition;
import dev.dpf.definition.QualityRule;
import dev.dpf.definition.SourceDef;
import dev.dpf.definition.TableName;
import dev.dpf.definition.Zone;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/**
 * Checks what reading the definition cannot, with no data and nothing written but a marker: each
 * dataset's expect rules and each model's SQL compiled against the declared schemas, once per
 * definition and lake ({@link #validateOnce}), and the column lineage traced on the way.
 */
final class DefinitionCheck {
  private final RunContext run;
  private final SparkSession spark;
  private final PipelineDefinition definition;
  private final Lake lake;

  DefinitionCheck(RunContext run) {
    this.run = run;
    this.spark = run.spark();
    this.definition = run.definition();
    this.lake = run.lake();
  }

  /**
   * Compiles each dataset's expect rules and each model's SQL against the schemas the definition
   * declares ({@code withLake}: widened by the columns the lake's tables have beyond them); puts
   * each compiled model's column lineage into {@code lineage}. Returns every problem found.
   */
  List<String> problems(boolean withLake, Map<String, Map<String, Set<ColumnOrigin>>> lineage) {
    List<String> problems = new ArrayList<>();
    Map<String, StructType> declared = new java.util.concurrent.ConcurrentHashMap<>();
    Map<String, Dataset<Row>> empty = new java.util.HashMap<>(); // by source name
    for (SourceDef source : definition.sources()) {
      empty.put(source.name(), ConsolidatedColumns.emptyConsolidated(spark, definition, source));
      declared.put(source.table(), empty.get(source.name()).schema());
    }
    for (DatasetDef dataset : definition.datasets()) {
      Dataset<Row> consolidated = empty.get(dataset.source());
      declared.put(dataset.table(), Transform.tableSchema(dataset, consolidated, List.of()));
      if (dataset.history() == DatasetDef.History.SCD2) {
        declared.put(dataset.qualifiedHistoryTable(), HistoryWriter.schema(dataset, consolidated));
      }
      Dataset<Row> conformed = Conform.withConformed(dataset, consolidated);
      for (QualityRule rule : dataset.quality()) {
        if (rule instanceof QualityRule.Expect expect) {
          try {
            ExpectRules.check(Quality.of(dataset), expect, conformed);
          } catch (DpfException e) {
            problems.add(e.getMessage());
          }
        }
      }
    }
    if (withLake) {
      declared.replaceAll(
          (table, schema) ->
              TableName.parse(table)
                  .flatMap(t -> lake.schemaJson(t))
                  .map(
                      json ->
                          widened(
                              schema,
                              (StructType) org.apache.spark.sql.types.DataType.fromJson(json)))
                  .orElse(schema));
    }
    SparkSession session = DeclaredCatalog.session(spark, declared);
    try {
      // Nothing is hashed: any key compiles the protect_ functions.
      problems.addAll(new Models(run.on(session), () -> "validate").validate(declared, lineage));
    } finally {
      DeclaredCatalog.close(session);
    }
    return problems;
  }

  /**
   * {@link #problems}, unless the same definition passed before on this lake: a marker named by the
   * definition's fingerprint (its whole content, with the SQL, and the dpf and Spark versions)
   * under {@code _system/validated} is written when it passes, so a run compiles a definition once,
   * not on every run.
   */
  List<String> validateOnce() {
    org.apache.hadoop.fs.Path marker = validatedMarker();
    try {
      var fs = marker.getFileSystem(spark.sparkContext().hadoopConfiguration());
      if (fs.exists(marker)) {
        return List.of();
      }
      Map<String, Map<String, Set<ColumnOrigin>>> lineage =
          new java.util.concurrent.ConcurrentHashMap<>();
      List<String> problems = problems(true, lineage);
      if (problems.isEmpty()) {
        // The marker keeps the column lineage the check traced, for the site (columnLineage).
        try (var out = fs.create(marker, true)) {
          out.write(
              ColumnLineage.toJson(ordered(lineage))
                  .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
      }
      return problems;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * Each model's columns (by model table, in the definition's order) with the table columns each is
   * computed from and the functions that hide them on the way, as compiled against the lake's
   * schemas ({@link #problems}); a model that does not compile is left out. A lake where this
   * definition passed {@link #validateOnce} keeps it from then, and it is read, not traced.
   */
  Map<String, Map<String, Set<ColumnOrigin>>> columnLineage() {
    org.apache.hadoop.fs.Path marker = validatedMarker();
    try {
      var fs = marker.getFileSystem(spark.sparkContext().hadoopConfiguration());
      if (fs.exists(marker)) {
        try (var in = fs.open(marker)) {
          String json = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
          if (!json.isBlank()) {
            return ColumnLineage.fromJson(json); // as the run's check traced it
          }
        }
      }
    } catch (java.io.IOException | IllegalArgumentException e) {
      // unreadable, or not what validateOnce writes: traced again below
    }
    Map<String, Map<String, Set<ColumnOrigin>>> lineage =
        new java.util.concurrent.ConcurrentHashMap<>();
    problems(true, lineage);
    return ordered(lineage);
  }

  /** Lineage by model in the definition's order. */
  private Map<String, Map<String, Set<ColumnOrigin>>> ordered(
      Map<String, Map<String, Set<ColumnOrigin>>> lineage) {
    Map<String, Map<String, Set<ColumnOrigin>>> ordered = new java.util.LinkedHashMap<>();
    for (ModelDef m : definition.models()) {
      if (lineage.containsKey(m.table())) {
        ordered.put(m.table(), lineage.get(m.table()));
      }
    }
    return ordered;
  }

  /**
   * The marker of this definition having passed {@link #validateOnce} on this lake: named by the
   * definition's fingerprint (its whole content as {@link DefinitionWriter} writes it, with the
   * SQL, and the dpf and Spark versions).
   */
  private org.apache.hadoop.fs.Path validatedMarker() {
    List<String> parts = new ArrayList<>();
    parts.add(DefinitionWriter.json(definition));
    for (ModelDef m : definition.models()) {
      parts.add(m.file());
      parts.add(m.sql());
    }
    parts.add(String.valueOf(DefinitionCheck.class.getPackage().getImplementationVersion()));
    parts.add(spark.version());
    String fingerprint = DefinitionWriter.digest(parts.toArray(String[]::new)).substring(0, 32);
    return new org.apache.hadoop.fs.Path(
        lake.root(), Zone.SYSTEM.dbName() + "/validated/" + fingerprint);
  }

  /** {@code declared} with the fields of {@code actual} it does not have, at its end. */
  private static StructType widened(StructType declared, StructType actual) {
    StructType out = declared;
    java.util.Set<String> names = new HashSet<>();
    for (String n : declared.fieldNames()) {
      names.add(n.toLowerCase(java.util.Locale.ROOT));
    }
    for (var f : actual.fields()) {
      if (names.add(f.name().toLowerCase(java.util.Locale.ROOT))) {
        out = out.add(f);
      }
    }
    return out;
  }
}
