package dev.dpf.core.internal.stage;

import static org.apache.spark.sql.functions.col;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dpf.core.api.Lake;
import dev.dpf.core.api.Planned;
import dev.dpf.definition.ModelDef;
import dev.dpf.definition.QualityRule;
import dev.dpf.definition.TableName;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Decides what a model's run does: nothing (its definition and every input as when it was last
 * written, as recorded in the user metadata of its last commit), recompute the partitions or keys
 * that new rows of its fact table touch, or rebuild, and why.
 */
final class ModelPlanner {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Lake lake;
  private final ModelGraph graph;
  private final ModelCompiler compiler;
  private final PiiPolicy pii;
  private boolean fullRefresh;

  ModelPlanner(Lake lake, ModelGraph graph, ModelCompiler compiler, PiiPolicy pii) {
    this.lake = lake;
    this.graph = graph;
    this.compiler = compiler;
    this.pii = pii;
  }

  /** Rebuilds every model from scratch, whatever its inputs' versions say. */
  void fullRefresh(boolean on) {
    this.fullRefresh = on;
  }

  /**
   * What to do: nothing ({@code upToDate}), recompute {@code partitions}, recompute the rows of
   * {@code keys} (one column, {@link #KEY}), or rebuild (both null) for {@code reason}.
   */
  record Plan(boolean upToDate, List<Object> partitions, Dataset<Row> keys, String reason) {
    static Plan rebuild(String reason) {
      return new Plan(false, null, null, reason);
    }
  }

  /** The changed keys' column in a key-incremental model's MERGE source. */
  static final String KEY = "__dpf_key";

  /**
   * When the model's last write was made from the same definition (SQL, partitioning, PII tags and
   * policy, hashing key) and the same version of every input, its run-line PII note; decided from
   * Delta logs alone, before the SQL is compiled. Empty otherwise: then the full run decides.
   */
  Optional<String> unchangedSinceLastRun(ModelDef model, Set<String> refs) {
    if (fullRefresh || lake.latestVersion(model.zone(), model.name()) < 0) {
      return Optional.empty();
    }
    Map<String, Long> versions = new TreeMap<>();
    for (String ref : refs) {
      if (!graph.defined(ref)) {
        return Optional.empty(); // the full run says what is wrong
      }
      long v = latestVersion(ModelGraph.input(ref, model));
      if (v < 0) {
        return Optional.empty();
      }
      versions.put(ref, v);
    }
    JsonNode previous = parse(lake.lastUserMetadata(model.zone(), model.name()));
    if (previous == null
        || !previous.path("pii").isTextual()
        || !fingerprint(model).equals(previous.path("model").asText())) {
      return Optional.empty();
    }
    return inputsOf(previous).equals(versions)
        ? Optional.of(previous.path("pii").asText())
        : Optional.empty();
  }

  Plan plan(ModelDef model, String fingerprint, Map<String, Long> versions) {
    if (!lake.exists(model.zone(), model.name())) {
      return Plan.rebuild("first run");
    }
    if (fullRefresh) {
      return Plan.rebuild("full refresh");
    }
    JsonNode previous = parse(lake.lastUserMetadata(model.zone(), model.name()));
    if (previous == null) {
      return Plan.rebuild("no record of its inputs");
    }
    if (!fingerprint.equals(previous.path("model").asText())) {
      return Plan.rebuild("definition or SQL changed");
    }
    Map<String, Long> before = inputsOf(previous);
    if (before.equals(versions)) {
      return new Plan(true, null, null, "");
    }
    if (model.incremental().isEmpty()) {
      return Plan.rebuild(
          "inputs changed: "
              + changed(before, versions)
              + "; not incremental: no incremental setting");
    }
    String fact = model.incremental().get().changesOf();
    List<String> others = new ArrayList<>();
    for (var e : versions.entrySet()) {
      if (!e.getKey().equals(fact) && !e.getValue().equals(before.get(e.getKey()))) {
        others.add(e.getKey());
      }
    }
    if (!others.isEmpty()) {
      return Plan.rebuild(
          String.join(", ", others)
              + " changed: any "
              + (model.incremental().get().key() != null ? "key" : "partition")
              + " may depend on it");
    }
    Long last = before.get(fact);
    long now = versions.get(fact);
    if (last == null || last > now) {
      return Plan.rebuild(fact + " was replaced");
    }
    String range = "(v" + (last + 1) + "-v" + now + ")";
    List<Object> partitions;
    try {
      String key = model.incremental().get().key();
      if (key != null) {
        Dataset<Row> keys =
            changes(ModelGraph.input(fact, model), last, now).select(col(key).as(KEY)).distinct();
        keys.schema(); // resolves now: an unreadable change feed fails here
        return new Plan(false, null, keys, range);
      }
      partitions =
          changes(ModelGraph.input(fact, model), last, now)
              .selectExpr(model.incremental().get().partition() + " AS p")
              .distinct()
              .collectAsList()
              .stream()
              .map(r -> r.get(0))
              .collect(Collectors.toCollection(ArrayList::new));
    } catch (Exception e) {
      if (!(e instanceof AnalysisException) && !(e.getCause() instanceof AnalysisException)) {
        throw e;
      }
      return Plan.rebuild("no change data feed of " + fact + " since v" + last);
    }
    return new Plan(false, partitions, null, range);
  }

  /**
   * What {@link Models#run} would do now, without doing it; {@code changing}: the tables the same
   * run writes before it; {@code fullRefresh}: whether the run rebuilds it whatever its inputs say.
   */
  Planned plan(String stage, ModelDef model, Set<String> changing, boolean fullRefresh) {
    String table = model.table();
    Set<String> refs = graph.references(model);
    List<String> missing = new ArrayList<>();
    Map<String, Long> versions = new TreeMap<>();
    for (String ref : refs) {
      long v = graph.defined(ref) ? latestVersion(ModelGraph.input(ref, model)) : -1;
      if (v < 0 && !changing.contains(ref)) {
        missing.add(ref);
      }
      versions.put(ref, v);
    }
    if (!missing.isEmpty()) {
      return new Planned(stage, table, Planned.Action.SKIP, "needs " + String.join(", ", missing));
    }
    if (lake.latestVersion(model.zone(), model.name()) < 0) {
      return new Planned(stage, table, Planned.Action.REBUILD, "first run");
    }
    if (fullRefresh) {
      return new Planned(stage, table, Planned.Action.REBUILD, "full refresh");
    }
    JsonNode previous = parse(lake.lastUserMetadata(model.zone(), model.name()));
    if (previous == null) {
      return new Planned(stage, table, Planned.Action.REBUILD, "no record of its inputs");
    }
    if (!fingerprint(model).equals(previous.path("model").asText())) {
      return new Planned(stage, table, Planned.Action.REBUILD, "definition or SQL changed");
    }
    Map<String, Long> before = inputsOf(previous);
    List<String> changed = new ArrayList<>();
    for (String ref : refs) {
      if (changing.contains(ref) || !versions.get(ref).equals(before.get(ref))) {
        changed.add(ref);
      }
    }
    if (changed.isEmpty()) {
      return new Planned(
          stage, table, Planned.Action.UP_TO_DATE, "inputs unchanged since the last run");
    }
    String inputs = String.join(", ", changed);
    if (model.incremental().isPresent()
        && changed.equals(List.of(model.incremental().get().changesOf()))) {
      return new Planned(
          stage,
          table,
          Planned.Action.RECOMPUTE,
          "the "
              + (model.incremental().get().key() != null ? "keys" : "partitions")
              + " that changed rows of "
              + inputs
              + " touch");
    }
    return new Planned(stage, table, Planned.Action.REBUILD, "inputs change: " + inputs);
  }

  /**
   * A digest of everything that decides the model's content and its PII checks besides its inputs:
   * its SQL, partitioning, incremental setting, the definition's PII tags, the columns it may show
   * in clear and the hashing key.
   */
  String fingerprint(ModelDef model) {
    String text =
        model.sql()
            + "\n"
            + model.partitionBy()
            + "\n"
            + model.incremental()
            + "\n"
            + (compiler.usesProtect() ? compiler.keyFingerprint() : "")
            + "\n"
            + pii.tagsText()
            + "\n"
            + new TreeSet<>(model.piiInClear());
    // The rules that decide which rows are written: changing one rebuilds the model.
    List<QualityRule> quarantines =
        model.quality().stream().filter(r -> r.action() == QualityRule.Action.QUARANTINE).toList();
    if (!quarantines.isEmpty()) {
      text += "\n" + quarantines;
    }
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static String metadata(String fingerprint, Map<String, Long> versions, String pii) {
    ObjectNode node = JSON.createObjectNode();
    node.put("model", fingerprint);
    ObjectNode inputs = node.putObject("inputs");
    versions.forEach(inputs::put);
    node.put("pii", pii);
    return node.toString();
  }

  private long latestVersion(TableName table) {
    return lake.latestVersion(table.zone(), table.name());
  }

  private Dataset<Row> changes(TableName table, long from, long to) {
    return lake.changes(table.zone(), table.name(), from, to);
  }

  private static String changed(Map<String, Long> before, Map<String, Long> now) {
    List<String> out = new ArrayList<>();
    for (var e : now.entrySet()) {
      Long b = before.get(e.getKey());
      if (!e.getValue().equals(b)) {
        out.add(e.getKey() + (b == null ? " (new input)" : " v" + b + " -> v" + e.getValue()));
      }
    }
    return out.isEmpty() ? "an input was removed" : String.join(", ", out);
  }

  /** The input versions a model's commit metadata records. */
  private static Map<String, Long> inputsOf(JsonNode metadata) {
    Map<String, Long> out = new TreeMap<>();
    metadata
        .path("inputs")
        .fields()
        .forEachRemaining(e -> out.put(e.getKey(), e.getValue().asLong()));
    return out;
  }

  private static JsonNode parse(String metadata) {
    if (metadata == null || metadata.isBlank()) {
      return null;
    }
    try {
      JsonNode n = JSON.readTree(metadata);
      return n.has("model") && n.has("inputs") ? n : null;
    } catch (java.io.IOException e) {
      return null;
    }
  }
}
