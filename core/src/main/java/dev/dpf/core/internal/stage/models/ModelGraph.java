package dev.dpf.core.internal.stage.models;

import dev.dpf.core.DpfErrors;
import dev.dpf.core.DpfException;
import dev.dpf.core.api.ModelSql;
import dev.dpf.definition.ModelDef;
import dev.dpf.definition.PipelineDefinition;
import dev.dpf.definition.TableName;
import dev.dpf.definition.TopoSort;
import dev.dpf.definition.Zone;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.spark.sql.SparkSession;

/**
 * The models and the tables their SQL reads: which tables exist, what reads what, in what order.
 */
public final class ModelGraph {
  private final SparkSession spark;
  private final PipelineDefinition definition;
  private final Map<String, ModelDef> byTable;

  ModelGraph(SparkSession spark, PipelineDefinition definition) {
    this.spark = spark;
    this.definition = definition;
    this.byTable = definition.models().stream().collect(Collectors.toMap(ModelDef::table, m -> m));
  }

  /** The model that makes {@code table} ({@code zone.name}), if a model does. */
  Optional<ModelDef> model(String table) {
    return Optional.ofNullable(byTable.get(table));
  }

  /** The tables the model's SQL reads, {@code zone.name}. */
  Set<String> references(ModelDef model) {
    return ModelSql.references(spark, model);
  }

  /** The zone's models, each after the models of the same zone it reads. */
  List<ModelDef> ordered(Zone zone) {
    return ordered(
        definition.models(zone),
        m ->
            references(m).stream()
                .map(byTable::get)
                .filter(dep -> dep != null && dep.zone() == zone)
                .toList());
  }

  /**
   * The models, each after those of them it reads ({@code reads}), else in the given order.
   *
   * @throws Cycle when some read each other in a cycle
   */
  List<ModelDef> ordered(
      List<ModelDef> models, java.util.function.Function<ModelDef, List<ModelDef>> reads) {
    return TopoSort.order(models, reads, Cycle::new);
  }

  /** Models that read each other in a cycle: the failure, with the models on it. */
  static final class Cycle extends DpfException {
    private final transient List<ModelDef> models;

    Cycle(List<ModelDef> loop) {
      super(
          Kind.DEFINITION,
          DpfErrors.cycle(loop.stream().map(m -> m.name() + " (" + m.file() + ")").toList()));
      // The path may start with models that lead to the cycle without being on it.
      ModelDef repeated = loop.get(loop.size() - 1);
      this.models = List.copyOf(loop.subList(loop.indexOf(repeated), loop.size() - 1));
    }

    /** The models on the cycle, each once. */
    List<ModelDef> models() {
      return models;
    }
  }

  /**
   * The failure of a model whose SQL reads {@code ref}, which the definition does not make, naming
   * the table it most likely meant.
   */
  DpfException undefined(ModelDef model, String ref) {
    return DpfErrors.unknownTable(
        model.label(),
        ref,
        dev.dpf.definition.Suggest.didYouMean(
            ref, definition.tables().stream().map(t -> t.qualified()).toList()));
  }

  /** Whether the definition makes this {@code zone.table}. */
  boolean defined(String table) {
    return definition.tables().stream().anyMatch(t -> t.qualified().equals(table));
  }

  /**
   * The table {@code ref} names, which {@code model} may read: a consolidated, transformed or (for
   * a curated model) curated table.
   *
   * @throws DpfException naming the model and the zones it may read otherwise
   */
  static TableName input(String ref, ModelDef model) {
    Optional<TableName> table =
        TableName.parse(ref)
            .filter(t -> t.zone().ordinal() <= Zone.CURATED.ordinal())
            .filter(t -> t.zone().ordinal() <= model.zone().ordinal());
    if (table.isPresent()) {
      return table.get();
    }
    throw new DpfException(
        DpfException.Kind.DEFINITION,
        model.label()
            + " reads "
            + ref
            + ", but a "
            + model.zone().dbName()
            + " model may only read consolidated"
            + (model.zone() == Zone.CURATED ? ", transformed or curated" : " or transformed")
            + " tables. Fix the SQL file");
  }
}
