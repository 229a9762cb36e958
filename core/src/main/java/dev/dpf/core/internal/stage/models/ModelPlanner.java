package dev.dpf.core.internal.stage.models;

import static org.apache.spark.sql.functions.col;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dpf.core.internal.stage.Decision;
import dev.dpf.core.storage.Lake;
import dev.dpf.definition.DefinitionWriter;
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
public final class ModelPlanner {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Lake lake;
  private final ModelGraph graph;
  private final ModelCompiler compiler;
  private final PiiPolicy pii;

  ModelPlanner(Lake lake, ModelGraph graph, ModelCompiler compiler, PiiPolicy pii) {
    this.lake = lake;
    this.graph = graph;
    this.compiler = compiler;
    this.pii = pii;
  }

  /**
   * How to write a model {@link #decide} said to rebuild or recompute: recompute {@code
   * partitions}, recompute the rows of {@code keys} (one column, {@link #KEY}), or rebuild (both
   * null) for {@code reason}.
   */
  record Plan(List<Object> partitions, Dataset<Row> keys, String reason) {
    static Plan rebuild(String reason) {
      return new Plan(null, null, reason);
    }

    /** Whether the model is written whole. */
    boolean rebuilds() {
      return partitions == null && keys == null;
    }
  }

  /** The changed keys' column in a key-incremental model's MERGE source. */
  static final String KEY = "__dpf_key";

  /**
   * What to do with the model, from Delta logs alone (nothing compiled): skip it (an input does not
   * exist; one the definition does not make is an error), nothing (its last write was made from the
   * same definition, PII settings and hashing key and the same version of every input, as the user
   * metadata of its commit records), recompute the partitions or keys that changed rows of its fact
   * table touch, or rebuild, and why. {@code changing}: the tables the same run writes before it (a
   * plan's; a run decides once they are written, with none); {@code fullRefresh}: whether it is
   * rebuilt whatever its inputs say.
   */
  Decision decide(ModelDef model, Set<String> changing, boolean fullRefresh) {
    return decide(model, recorded(model), changing, fullRefresh);
  }

  /**
   * As above, from {@code recorded}: what the model's last write recorded ({@link #recorded}), read
   * once by a caller that needs it again.
   */
  Decision decide(ModelDef model, Recorded recorded, Set<String> changing, boolean fullRefresh) {
    Map<String, Long> versions = new TreeMap<>();
    for (String ref : graph.references(model)) {
      if (!graph.defined(ref)) {
        throw graph.undefined(model, ref);
      }
      versions.put(ref, latestVersion(ModelGraph.input(ref, model)));
    }
    return decide(
        model,
        versions,
        recorded,
        Set.of(fingerprint(model), legacyFingerprint(model)),
        changing,
        fullRefresh);
  }

  /**
   * The decision from metadata alone: {@code versions}, each input table's latest version (-1: no
   * table); {@code recorded}, what the model's last write recorded; {@code fingerprints}, the
   * digests of the model as it is now that a write may have recorded.
   */
  static Decision decide(
      ModelDef model,
      Map<String, Long> versions,
      Recorded recorded,
      Set<String> fingerprints,
      Set<String> changing,
      boolean fullRefresh) {
    Set<String> refs = versions.keySet();
    List<String> missing = new ArrayList<>();
    versions.forEach(
        (ref, v) -> {
          if (v < 0 && !changing.contains(ref)) {
            missing.add(ref);
          }
        });
    if (!missing.isEmpty()) {
      return new Decision.Skip("needs " + String.join(", ", missing));
    }
    if (!recorded.exists()) {
      return new Decision.Rebuild("first run");
    }
    if (fullRefresh) {
      return new Decision.Rebuild("full refresh");
    }
    JsonNode previous = recorded.metadata();
    if (previous == null) {
      return new Decision.Rebuild("no record of its inputs");
    }
    if (!fingerprints.contains(previous.path("model").asText())) {
      return new Decision.Rebuild("definition or SQL changed");
    }
    Map<String, Long> before = inputsOf(previous);
    if (refs.stream().anyMatch(changing::contains)) {
      return changesInThisRun(model, refs, changing, versions, before);
    }
    if (before.equals(versions)) {
      return new Decision.UpToDate("inputs unchanged since the last run");
    }
    return changed(model, versions, before);
  }

  /** The decision for a model whose inputs' versions changed since its last write. */
  private static Decision changed(
      ModelDef model, Map<String, Long> versions, Map<String, Long> before) {
    if (model.incremental().isEmpty()) {
      return new Decision.Rebuild(
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
      return new Decision.Rebuild(
          String.join(", ", others)
              + " changed: any "
              + (model.incremental().get().key() != null ? "key" : "partition")
              + " may depend on it");
    }
    Long last = before.get(fact);
    long now = versions.get(fact);
    if (last == null || last > now) {
      return new Decision.Rebuild(fact + " was replaced");
    }
    return new Decision.Recompute(fact, last, now, recomputeWhy(model, fact));
  }

  /**
   * The decision for a model some of whose inputs the same run writes before it ({@code changing}):
   * their versions are not known yet.
   */
  private static Decision changesInThisRun(
      ModelDef model,
      Set<String> refs,
      Set<String> changing,
      Map<String, Long> versions,
      Map<String, Long> before) {
    List<String> changed = new ArrayList<>();
    for (String ref : refs) {
      if (changing.contains(ref) || !versions.get(ref).equals(before.get(ref))) {
        changed.add(ref);
      }
    }
    String inputs = String.join(", ", changed);
    if (model.incremental().isPresent()
        && changed.equals(List.of(model.incremental().get().changesOf()))) {
      return new Decision.Recompute(inputs, -1, -1, recomputeWhy(model, inputs));
    }
    return new Decision.Rebuild("inputs change: " + inputs);
  }

  private static String recomputeWhy(ModelDef model, String fact) {
    return "the "
        + (model.incremental().get().key() != null ? "keys" : "partitions")
        + " that changed rows of "
        + fact
        + " touch";
  }

  /**
   * How to write the model {@code decided} says to rebuild or recompute: a recompute reads the
   * change feed of its fact table between the versions decided; without one it rebuilds.
   */
  Plan scope(ModelDef model, Decision decided) {
    if (!(decided instanceof Decision.Recompute r)) {
      return Plan.rebuild(decided.why());
    }
    String range = "(v" + (r.since() + 1) + "-v" + r.to() + ")";
    TableName fact = ModelGraph.input(r.fact(), model);
    try {
      String key = model.incremental().get().key();
      if (key != null) {
        Dataset<Row> keys = changes(fact, r.since(), r.to()).select(col(key).as(KEY)).distinct();
        keys.schema(); // resolves now: an unreadable change feed fails here
        return new Plan(null, keys, range);
      }
      List<Object> partitions =
          changes(fact, r.since(), r.to())
              .selectExpr(model.incremental().get().partition() + " AS p")
              .distinct()
              .collectAsList()
              .stream()
              .map(row -> row.get(0))
              .collect(Collectors.toCollection(ArrayList::new));
      return new Plan(partitions, null, range);
    } catch (Exception e) {
      if (!(e instanceof AnalysisException) && !(e.getCause() instanceof AnalysisException)) {
        throw e;
      }
      return Plan.rebuild("no change data feed of " + r.fact() + " since v" + r.since());
    }
  }

  /**
   * Whether the model's table {@code exists}, and what its last write recorded in its commit's user
   * metadata: its fingerprint, its inputs' versions and its PII note ({@code metadata} null when
   * there is no table or no record).
   */
  record Recorded(boolean exists, JsonNode metadata) {
    /** The PII note the write recorded, if it recorded one. */
    Optional<String> pii() {
      return metadata != null && metadata.path("pii").isTextual()
          ? Optional.of(metadata.path("pii").asText())
          : Optional.empty();
    }
  }

  /** What the model's last write recorded, read from its Delta log once. */
  Recorded recorded(ModelDef model) {
    if (lake.latestVersion(model.tableName()) < 0) {
      return new Recorded(false, null);
    }
    return new Recorded(true, parse(lake.lastUserMetadata(model.tableName())));
  }

  /**
   * A digest of everything that decides the model's content and its PII checks besides its inputs:
   * its SQL, partitioning, incremental setting and the rules that decide which rows are written (as
   * {@link DefinitionWriter} writes them), the definition's PII tags, the columns it may show in
   * clear and the hashing key.
   */
  String fingerprint(ModelDef model) {
    ObjectNode settings = DefinitionWriter.model(model);
    settings.remove(List.of("zone", "sql", "pii_in_clear", "quality"));
    var inClear = settings.putArray("pii_in_clear");
    new TreeSet<>(model.piiInClear()).forEach(inClear::add);
    // The rules that decide which rows are written: changing one rebuilds the model.
    var rules = settings.putArray("quality");
    model.quality().stream()
        .filter(r -> r.action() == QualityRule.Action.QUARANTINE)
        .forEach(r -> rules.add(DefinitionWriter.rule(r)));
    return DefinitionWriter.digest(
            model.sql(),
            settings.toString(),
            compiler.usesProtect() ? compiler.keyFingerprint() : "",
            pii.tagsText())
        .substring(0, 32);
  }

  /**
   * The fingerprint a model's commit recorded before {@link #fingerprint} (of records' {@code
   * toString()}): read, so that a lake written then is not rebuilt for it, but never written.
   */
  String legacyFingerprint(ModelDef model) {
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
    return lake.latestVersion(table);
  }

  private Dataset<Row> changes(TableName table, long from, long to) {
    return lake.changes(table, from, to);
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
