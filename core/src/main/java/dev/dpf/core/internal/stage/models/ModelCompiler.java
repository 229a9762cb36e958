package dev.dpf.core.internal.stage.models;

import dev.dpf.core.DpfException;
import dev.dpf.core.api.Protect;
import dev.dpf.core.storage.Lake;
import dev.dpf.definition.ModelDef;
import dev.dpf.definition.Pii;
import dev.dpf.definition.PipelineDefinition;
import dev.dpf.definition.TableName;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Compiles a model's SQL over the lake's tables: registers its inputs, the {@code protect_}
 * functions with the hashing key, and checks what the compiled rows must have.
 */
public final class ModelCompiler {
  private final SparkSession spark;
  private final Lake lake;
  private final ModelGraph graph;
  private final Supplier<String> piiKey;
  private final boolean usesProtect;
  private String keyFingerprint;

  /**
   * @param piiKey the hashing key, asked for only if a model calls a {@code protect_} function
   */
  ModelCompiler(
      SparkSession spark,
      PipelineDefinition definition,
      Lake lake,
      ModelGraph graph,
      Supplier<String> piiKey) {
    this.spark = spark;
    this.lake = lake;
    this.graph = graph;
    this.piiKey = piiKey;
    this.usesProtect =
        definition.models().stream()
            .anyMatch(m -> m.sql().toLowerCase(Locale.ROOT).contains("protect_"));
  }

  /** Whether a model of the definition calls a {@code protect_} function. */
  boolean usesProtect() {
    return usesProtect;
  }

  /** Tells a changed key apart without revealing it: its own hash of a constant. */
  String keyFingerprint() {
    registerFunctions();
    return keyFingerprint;
  }

  private synchronized void registerFunctions() {
    if (keyFingerprint == null) {
      String key = piiKey.get();
      Protect.register(spark, key);
      keyFingerprint = Protect.value(Pii.NAME, "dpf key fingerprint", key).substring(0, 16);
    }
  }

  /** Registers the model's inputs that exist; returns those that do not. */
  List<String> registerInputs(ModelDef model, Set<String> refs) {
    List<String> missing = new ArrayList<>();
    for (String ref : refs) {
      TableName table = ModelGraph.input(ref, model);
      if (!graph.defined(ref)) {
        throw graph.undefined(model, ref);
      }
      if (lake.exists(table)) {
        lake.register(table); // so the SQL resolves to this lake's table
      } else {
        missing.add(ref);
      }
    }
    return missing;
  }

  Dataset<Row> compile(ModelDef model) {
    if (usesProtect) {
      registerFunctions();
    }
    try {
      return spark.sql(model.sql());
    } catch (Exception e) {
      if (!(e instanceof AnalysisException analysis)) {
        throw e;
      }
      throw new DpfException(
          DpfException.Kind.DEFINITION,
          model.label()
              + " does not compile: "
              + analysis.getSimpleMessage().strip().replace('\n', ' ')
              + ". Fix the SQL file",
          e);
    }
  }

  static void checkPartitionColumns(ModelDef model, Dataset<Row> rows) {
    List<String> columns = List.of(rows.columns());
    for (String p : model.partitionBy()) {
      if (!columns.contains(p)) {
        throw new DpfException(
            DpfException.Kind.DEFINITION,
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
  }

  /** A key-incremental model's key is a column of its fact table and of its own rows. */
  void checkKey(ModelDef model, String fact, Dataset<Row> rows) {
    String key = model.incremental().get().key();
    List<String> factColumns = List.of(spark.table(fact).columns());
    List<String> modelColumns = List.of(rows.columns());
    String missingFrom =
        !factColumns.contains(key)
            ? fact + " (columns: " + factColumns + ")"
            : !modelColumns.contains(key)
                ? "its SQL's result (columns: " + modelColumns + ")"
                : null;
    if (missingFrom != null) {
      throw new DpfException(
          DpfException.Kind.DEFINITION,
          "Model '"
              + model.name()
              + "' is incremental by key '"
              + key
              + "', but "
              + missingFrom
              + " has no such column. Fix models."
              + model.name()
              + ".incremental.key");
    }
  }
}
