package dev.dpf.definition;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes the definition's records back in the definition's own form, one writer beside each parser
 * ({@code SourceParser}, {@code DatasetParser}, {@code QualityRuleParser}, {@code ModelParser}):
 * every setting spelled out, keys in a fixed order. {@link Definitions#parse} of what it writes (a
 * model's {@code sql} naming its file) gives the same records back. Digests of a definition are
 * taken from this text ({@link #digest}), never from a record's {@code toString()}, so they change
 * when the definition does and only then.
 */
public final class DefinitionWriter {
  private static final ObjectMapper JSON = new ObjectMapper();

  private DefinitionWriter() {}

  /** The whole definition, as JSON (which the YAML reader reads). */
  public static String json(PipelineDefinition definition) {
    ObjectNode root = JSON.createObjectNode();
    ObjectNode sources = root.putObject("sources");
    for (SourceDef s : definition.sources()) {
      ObjectNode node = source(s);
      docs(node, definition.docs().get(new TableName(Zone.CONSOLIDATED, s.name()).toString()));
      sources.set(s.name(), node);
    }
    ObjectNode datasets = root.putObject("datasets");
    for (DatasetDef d : definition.datasets()) {
      TableDocs docs = definition.docs().get(d.table());
      ObjectNode node = dataset(d, docs == null ? Map.of() : docs.columns());
      docs(node, docs);
      datasets.set(d.name(), node);
    }
    ObjectNode models = root.putObject("models");
    for (ModelDef m : definition.models()) {
      TableDocs docs = definition.docs().get(m.table());
      ObjectNode node = model(m);
      docs(node, docs);
      if (docs != null && !docs.columns().isEmpty()) {
        ObjectNode columns = node.putObject("columns");
        docs.columns().forEach(columns::put);
      }
      models.set(m.name(), node);
    }
    Maintenance kept = definition.maintenance();
    if (!kept.equals(Maintenance.DEFAULT)) {
      root.putObject("maintenance")
          .put("keep_runs", kept.keepRuns())
          .put("keep_days", kept.keepDays())
          .put("target_file_size", String.valueOf(kept.targetFileBytes()));
    }
    return root.toString();
  }

  /**
   * A SHA-256 digest (hex) of {@code parts} joined by new lines: of a record's text from this
   * writer and whatever else decides a result.
   */
  public static String digest(String... parts) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      return HexFormat.of()
          .formatHex(sha.digest(String.join("\n", parts).getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** One source, as {@code SourceParser} reads it. */
  public static ObjectNode source(SourceDef s) {
    ObjectNode node = JSON.createObjectNode();
    node.put("kind", s.kind().label());
    node.put("path", s.path());
    node.put("format", s.format().name().toLowerCase(Locale.ROOT));
    node.put("on_error", s.onError().name().toLowerCase(Locale.ROOT));
    if (s.dateFormat() != null) {
      node.put("date_format", s.dateFormat());
    }
    if (s.timestampFormat() != null) {
      node.put("timestamp_format", s.timestampFormat());
    }
    if (s.format() == SourceDef.Format.CSV) {
      SourceDef.Csv c = s.csv();
      node.put("header", c.header());
      strings(node, "columns", c.columns());
      node.put("delimiter", String.valueOf(c.delimiter()));
      node.put("quote", String.valueOf(c.quote()));
      node.put("escape", String.valueOf(c.escape()));
      node.put("encoding", c.encoding());
      if (c.nullValue() != null) {
        node.put("null_value", c.nullValue());
      }
    }
    if (s.kind() == SourceKind.DMS) {
      node.put("include_op_for_full_load", s.dms().includeOpForFullLoad());
      if (s.dms().timestampColumn() != null) {
        node.put("timestamp_column", s.dms().timestampColumn());
      }
    }
    return node;
  }

  /**
   * One dataset, as {@code DatasetParser} reads it; {@code descriptions}: its columns'
   * descriptions, which the long form of a column carries.
   */
  public static ObjectNode dataset(DatasetDef d, Map<String, String> descriptions) {
    ObjectNode node = JSON.createObjectNode();
    node.put("source", d.source());
    ObjectNode columns = node.putObject("columns");
    for (ColumnDef c : d.columns()) {
      ObjectNode col = columns.putObject(c.name());
      col.put("from", c.from());
      col.put("type", c.type().sql());
      c.format().ifPresent(f -> col.put("format", f));
      col.put("nullable", c.nullable());
      c.pii().ifPresent(p -> col.put("pii", p.name().toLowerCase(Locale.ROOT)));
      if (descriptions.containsKey(c.name())) {
        col.put("description", descriptions.get(c.name()));
      }
    }
    strings(node, "key", d.key());
    strings(node, "partition_by", d.partitionBy());
    strings(node, "ordering", d.ordering());
    node.put("on_new_columns", d.onNewColumns().name().toLowerCase(Locale.ROOT));
    node.put("history", d.history().name().toLowerCase(Locale.ROOT));
    rules(node, d.quality());
    return node;
  }

  /** One model, as {@code ModelParser} reads it: its SQL by its file's name. */
  public static ObjectNode model(ModelDef m) {
    ObjectNode node = JSON.createObjectNode();
    node.put("zone", m.zone().dbName());
    node.put("sql", m.file());
    strings(node, "partition_by", m.partitionBy());
    strings(node, "pii_in_clear", m.piiInClear());
    m.incremental()
        .ifPresent(
            i -> {
              ObjectNode inc = node.putObject("incremental");
              inc.put("changes_of", i.changesOf());
              if (i.partition() != null) {
                inc.put("partition", i.partition());
              }
              if (i.key() != null) {
                inc.put("key", i.key());
              }
            });
    rules(node, m.quality());
    return node;
  }

  /** One quality rule, as {@code QualityRuleParser} reads it. */
  public static ObjectNode rule(QualityRule r) {
    ObjectNode node = JSON.createObjectNode();
    node.put("rule", r.kind().key());
    if (r instanceof QualityRule.NotNull n) {
      strings(node, "columns", n.columns());
    } else if (r instanceof QualityRule.Unique u) {
      strings(node, "columns", u.columns());
    } else if (r instanceof QualityRule.Range g) {
      node.put("column", g.column());
      g.min().ifPresent(v -> node.put("min", v));
      g.max().ifPresent(v -> node.put("max", v));
    } else if (r instanceof QualityRule.Regex x) {
      node.put("column", x.column());
      node.put("pattern", x.pattern());
    } else if (r instanceof QualityRule.AllowedValues a) {
      node.put("column", a.column());
      strings(node, "values", a.values());
    } else if (r instanceof QualityRule.References f) {
      node.put("column", f.column());
      node.put("to", f.dataset() + "." + f.toColumn());
    } else if (r instanceof QualityRule.Freshness f) {
      node.put("column", f.column());
      node.put("max_age", f.maxAge().toSeconds() + "s");
    } else if (r instanceof QualityRule.MinRows m) {
      node.put("count", m.count());
    } else if (r instanceof QualityRule.Expect e) {
      node.put("name", e.name());
      node.put("expression", e.expression());
    } else if (r instanceof QualityRule.MaxQuarantined q) {
      node.put("max", q.max());
    } else {
      throw new IllegalStateException("no writer for rule " + r.kind());
    }
    node.put("action", r.action().name().toLowerCase(Locale.ROOT));
    return node;
  }

  private static void rules(ObjectNode node, List<QualityRule> rules) {
    if (!rules.isEmpty()) {
      ArrayNode list = node.putArray("quality");
      rules.forEach(r -> list.add(rule(r)));
    }
  }

  private static void docs(ObjectNode node, TableDocs docs) {
    if (docs == null) {
      return;
    }
    if (!docs.description().isEmpty()) {
      node.put("description", docs.description());
    }
    if (!docs.owner().isEmpty()) {
      node.put("owner", docs.owner());
    }
    strings(node, "tags", docs.tags());
  }

  private static void strings(ObjectNode node, String key, List<String> values) {
    if (!values.isEmpty()) {
      ArrayNode list = node.putArray(key);
      values.forEach(list::add);
    }
  }
}
