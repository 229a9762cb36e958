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
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Column;
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
  private final Map<String, String> tableKeys;
  private final Map<String, List<RowKeys.Key>> found =
      new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * @param tableKeys each dataset's table ({@code zone.table}) with a one-column key, and the key
   */
  ModelPlanner(
      Lake lake,
      ModelGraph graph,
      ModelCompiler compiler,
      PiiPolicy pii,
      Map<String, String> tableKeys) {
    this.lake = lake;
    this.graph = graph;
    this.compiler = compiler;
    this.pii = pii;
    this.tableKeys = Map.copyOf(tableKeys);
  }

  /**
   * How to write a model {@link #decide} said to rebuild or recompute: recompute {@code
   * partitions}, recompute the rows of {@code keys} (one column, {@link #KEY}) in the model's
   * {@code keyColumn}, or rebuild (both null) for {@code reason}; {@code changed}: the inputs whose
   * changes it recomputes; {@code inputs}: when set, the recomputation reads only the input rows of
   * the keys.
   */
  record Plan(
      List<Object> partitions,
      Dataset<Row> keys,
      String keyColumn,
      String changed,
      Restriction inputs,
      String reason) {
    static Plan rebuild(String reason) {
      return new Plan(null, null, null, null, null, reason);
    }

    /** Whether the model is written whole. */
    boolean rebuilds() {
      return partitions == null && keys == null;
    }

    /** The model's rows to compute: {@code rows}, over only its inputs' rows of the keys if set. */
    Dataset<Row> read(Dataset<Row> rows) {
      return inputs == null
          ? rows
          : RowKeys.restrict(
              rows.sparkSession(),
              rows,
              inputs.byInput(),
              inputs.touched(),
              keys.schema(),
              KEY,
              inputs.fromChanges());
    }
  }

  /**
   * The keys a recomputation touches ({@code touched}), and each input's key expression; {@code
   * fromChanges}: inputs whose rows of the keys are read from their change data feed instead of the
   * table (each call a fresh read).
   */
  record Restriction(
      Map<String, String> byInput,
      List<Row> touched,
      Map<String, java.util.function.Supplier<Dataset<Row>>> fromChanges) {}

  /** At most this many touched keys are recomputed by key; more rebuild the model. */
  static final int MAX_KEYS = 1_000_000;

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
        changed -> keyFor(model, changed),
        changing,
        fullRefresh);
  }

  /**
   * The column of the model's rows to recompute them by when {@code changed} inputs changed: of the
   * columns that key its rows ({@link RowKeys}) by every changed input, the one that is the dataset
   * key of the most changed inputs, then the one that keys the most inputs, then the first. None
   * when the model does not compile or no column keys them all.
   */
  Optional<RowKeys.Key> keyFor(ModelDef model, Set<String> changed) {
    return choose(rowKeys(model), changed, tableKeys);
  }

  static Optional<RowKeys.Key> choose(
      List<RowKeys.Key> keys, Set<String> changed, Map<String, String> tableKeys) {
    RowKeys.Key best = null;
    int bestKeyed = -1;
    for (RowKeys.Key k : keys) {
      if (!k.covers(changed)) {
        continue;
      }
      int keyed = 0;
      for (String t : changed) {
        if (ModelWriter.quoted(tableKeys.getOrDefault(t, "")).equals(k.byInput().get(t))
            || tableKeys.getOrDefault(t, "").equals(k.byInput().get(t))) {
          keyed++;
        }
      }
      if (best == null
          || keyed > bestKeyed
          || (keyed == bestKeyed && k.byInput().size() > best.byInput().size())) {
        best = k;
        bestKeyed = keyed;
      }
    }
    return Optional.ofNullable(best);
  }

  /**
   * The columns that key the model's rows, from its compiled SQL (none when it does not compile).
   */
  private List<RowKeys.Key> rowKeys(ModelDef model) {
    return found.computeIfAbsent(
        model.table(),
        t -> {
          Set<String> refs = graph.references(model);
          try {
            if (!compiler.registerInputs(model, refs).isEmpty()) {
              return List.of();
            }
            return RowKeys.of(compiler.compile(model).queryExecution().analyzed(), refs);
          } catch (RuntimeException e) {
            return List.of(); // the run tells why it does not compile
          }
        });
  }

  /**
   * The decision from metadata alone: {@code versions}, each input table's latest version (-1: no
   * table); {@code recorded}, what the model's last write recorded; {@code fingerprints}, the
   * digests of the model as it is now that a write may have recorded; {@code keyFor}: for a model
   * without an {@code incremental} setting, the column to recompute its rows by when the given
   * inputs changed, if one keys them all ({@link #keyFor}).
   */
  static Decision decide(
      ModelDef model,
      Map<String, Long> versions,
      Recorded recorded,
      Set<String> fingerprints,
      Function<Set<String>, Optional<RowKeys.Key>> keyFor,
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
      return changesInThisRun(model, refs, changing, versions, before, keyFor);
    }
    if (before.equals(versions)) {
      return new Decision.UpToDate("inputs unchanged since the last run");
    }
    if (model.incremental().isEmpty()) {
      return byKey(versions, before, keyFor);
    }
    return changed(model, versions, before);
  }

  /**
   * The decision for a model without an incremental setting whose inputs changed since its last
   * write: recompute the rows of the keys the changes touch when a column keys its rows by every
   * changed input, else rebuild.
   */
  private static Decision byKey(
      Map<String, Long> versions,
      Map<String, Long> before,
      Function<Set<String>, Optional<RowKeys.Key>> keyFor) {
    Set<String> changed = new TreeSet<>();
    for (var e : versions.entrySet()) {
      if (!e.getValue().equals(before.get(e.getKey()))) {
        changed.add(e.getKey());
      }
    }
    List<String> replaced =
        changed.stream()
            .filter(t -> before.get(t) == null || before.get(t) > versions.get(t))
            .toList();
    if (!replaced.isEmpty()) {
      return new Decision.Rebuild(
          String.join(", ", replaced) + (replaced.size() == 1 ? " was" : " were") + " replaced");
    }
    if (!versions.keySet().containsAll(before.keySet())) {
      return new Decision.Rebuild("inputs changed: an input was removed");
    }
    Optional<RowKeys.Key> key = keyFor.apply(changed);
    if (key.isEmpty()) {
      return new Decision.Rebuild(
          "inputs changed: "
              + changed(before, versions)
              + "; not incremental: no column of its rows follows the rows of "
              + String.join(" and ", changed));
    }
    Map<String, Long> since = new TreeMap<>();
    Map<String, Long> to = new TreeMap<>();
    changed.forEach(
        t -> {
          since.put(t, before.get(t));
          to.put(t, versions.get(t));
        });
    return new Decision.RecomputeKeys(
        key.get().column(), key.get().byInput(), since, to, keysWhy(key.get(), changed));
  }

  private static String keysWhy(RowKeys.Key key, Set<String> changed) {
    return "the rows of the "
        + key.column()
        + " values that changed rows of "
        + String.join(", ", changed)
        + " touch ("
        + key.column()
        + " keys its rows, found in its SQL)";
  }

  /** The decision for a model with an incremental setting whose inputs changed. */
  private static Decision changed(
      ModelDef model, Map<String, Long> versions, Map<String, Long> before) {
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
      Map<String, Long> before,
      Function<Set<String>, Optional<RowKeys.Key>> keyFor) {
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
    if (model.incremental().isEmpty()) {
      Optional<RowKeys.Key> key = keyFor.apply(new TreeSet<>(changed));
      if (key.isPresent()) {
        return new Decision.RecomputeKeys(
            key.get().column(),
            key.get().byInput(),
            Map.of(),
            Map.of(),
            keysWhy(key.get(), new TreeSet<>(changed)));
      }
      return new Decision.Rebuild(
          "inputs change: "
              + inputs
              + "; not incremental: no column of its rows follows the rows of "
              + String.join(" and ", changed));
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
   * change feed of its fact table (or of its changed inputs) between the versions decided; without
   * one it rebuilds.
   */
  Plan scope(ModelDef model, Decision decided) {
    if (decided instanceof Decision.RecomputeKeys k) {
      return byKeys(model, k);
    }
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
        return new Plan(null, keys, key, r.fact(), null, range);
      }
      List<Object> partitions =
          changes(fact, r.since(), r.to())
              .selectExpr(model.incremental().get().partition() + " AS p")
              .distinct()
              .collectAsList()
              .stream()
              .map(row -> row.get(0))
              .collect(Collectors.toCollection(ArrayList::new));
      return new Plan(partitions, null, null, r.fact(), null, range);
    } catch (Exception e) {
      if (!unreadable(e)) {
        throw e;
      }
      return Plan.rebuild("no change data feed of " + r.fact() + " since v" + r.since());
    }
  }

  /**
   * The plan of a model recomputed by a key found in its SQL: the key values of its changed inputs'
   * changed rows (before and after each change), read from their change feeds.
   */
  private Plan byKeys(ModelDef model, Decision.RecomputeKeys k) {
    List<String> ranges = new ArrayList<>();
    Dataset<Row> keys = null;
    for (var e : k.since().entrySet()) {
      String input = e.getKey();
      long since = e.getValue();
      long to = k.to().get(input);
      ranges.add(input + " v" + (since + 1) + "-v" + to);
      Dataset<Row> changed;
      try {
        changed =
            changes(ModelGraph.input(input, model), since, to)
                .selectExpr(k.byInput().get(input) + " AS " + KEY);
        changed.schema(); // resolves now: an unreadable change feed fails here
      } catch (Exception ex) {
        if (!unreadable(ex)) {
          throw ex;
        }
        return Plan.rebuild("no change data feed of " + input + " since v" + since);
      }
      keys = keys == null ? changed : keys.union(changed);
    }
    Dataset<Row> distinct = keys.distinct();
    List<Row> touched = distinct.limit(MAX_KEYS + 1).collectAsList();
    if (touched.size() > MAX_KEYS) {
      return Plan.rebuild(
          "more than " + MAX_KEYS + " " + k.column() + " values touched: rebuilt whole");
    }
    Optional<String> costlier = costlierThanRebuild(k.column(), touched.size(), rowsOf(model));
    if (costlier.isPresent()) {
      return Plan.rebuild(costlier.get());
    }
    Dataset<Row> keyRows = distinct.sparkSession().createDataFrame(touched, distinct.schema());
    String changed = String.join(", ", k.since().keySet());
    var fromChanges = fromChanges(model, k);
    return new Plan(
        null,
        keyRows,
        k.column(),
        changed,
        new Restriction(k.byInput(), touched, fromChanges),
        "("
            + String.join(", ", ranges)
            + "; "
            + k.column()
            + " keys its rows, found in its SQL"
            + fromChanges.keySet().stream()
                .map(t -> "; the rows of " + t + " read from its change data feed")
                .collect(Collectors.joining())
            + ")");
  }

  /**
   * The changed input whose rows of the touched keys are its change feed's latest rows, if there is
   * one: when it is the only changed input and its key expression is its own one-column key, every
   * touched key is one its changes carry, and the table's row of each (none if deleted) is the
   * latest change of it. The model then reads those rows instead of scanning the input for them.
   */
  private Map<String, java.util.function.Supplier<Dataset<Row>>> fromChanges(
      ModelDef model, Decision.RecomputeKeys k) {
    if (k.since().size() != 1) {
      return Map.of();
    }
    String input = k.since().keySet().iterator().next();
    String own = tableKeys.get(input);
    String expression = k.byInput().get(input);
    if (own == null || !(own.equals(expression) || ModelWriter.quoted(own).equals(expression))) {
      return Map.of();
    }
    long since = k.since().get(input);
    long to = k.to().get(input);
    TableName table = ModelGraph.input(input, model);
    return Map.of(input, () -> latestRows(changes(table, since, to), own));
  }

  /**
   * The rows a table holds after its changes {@code changes} for the keys ({@code key}) they
   * change: each key's latest insert or post-image, none when its latest change deletes it. A
   * commit changes a key at most once (a MERGE matches each row once).
   */
  static Dataset<Row> latestRows(Dataset<Row> changes, String key) {
    Column type = col("_change_type");
    var latest =
        org.apache.spark.sql.expressions.Window.partitionBy(col(ModelWriter.quoted(key)))
            .orderBy(col("_commit_version").desc());
    return changes
        .filter(type.notEqual("update_preimage"))
        .withColumn("__dpf_latest", org.apache.spark.sql.functions.row_number().over(latest))
        .filter(col("__dpf_latest").equalTo(1).and(type.notEqual("delete")))
        .drop("__dpf_latest", "_change_type", "_commit_version", "_commit_timestamp");
  }

  /**
   * Why recomputing the rows of {@code touched} keys costs more than a rebuild of a model of {@code
   * rows} rows, if it does: the keys reach a quarter of its rows or more (each key's rows are
   * deleted and written again, and its inputs are read for them), on a model of at least {@link
   * #COSTED_ROWS} rows (below that, either is cheap).
   */
  static Optional<String> costlierThanRebuild(String column, long touched, long rows) {
    if (rows < COSTED_ROWS || touched * 4 < rows) {
      return Optional.empty();
    }
    return Optional.of(
        String.format(
            "%,d %s values touched, as many as a quarter or more of its %,d rows: rebuilt whole",
            touched, column, rows));
  }

  /** Models of fewer rows are recomputed by key however many keys are touched. */
  static final long COSTED_ROWS = 10_000;

  private long rowsOf(ModelDef model) {
    return lake.exists(model.tableName()) ? lake.rows(model.tableName()) : 0;
  }

  private static boolean unreadable(Exception e) {
    return e instanceof AnalysisException || e.getCause() instanceof AnalysisException;
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

  /** The version the table's rows were last written at (maintenance after it changes nothing). */
  private long latestVersion(TableName table) {
    return lake.lastWriteVersion(table);
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
