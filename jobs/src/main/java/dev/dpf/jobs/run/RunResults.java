package dev.dpf.jobs.run;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dpf.core.DpfException;
import dev.dpf.core.api.QualityResult;
import dev.dpf.core.api.TableResult;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A run's results as one JSON document for schedulers ({@code --results FILE}), schema {@value
 * #SCHEMA}: what ran, how it ended, every table's counts, the reconciliation and the quality rules'
 * results. The README documents each field; a change that is not an addition gets a new schema.
 */
public final class RunResults {
  /** The schema's name and version. */
  public static final String SCHEMA = "dpf.run-results/1";

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /**
   * What the document holds.
   *
   * @param warnings the run's warnings besides quality rules, one line each
   * @param error the failure's one-line message; null when the run succeeded
   * @param errorKind the failure's kind ({@link DpfException.Kind}); null when the run succeeded
   */
  record Run(
      String runId,
      String command,
      String definition,
      String raw,
      String lake,
      Instant started,
      Instant ended,
      List<TableResult> tables,
      List<QualityResult> quality,
      List<String> warnings,
      String error,
      DpfException.Kind errorKind) {}

  private RunResults() {}

  static String json(Run run) {
    ObjectNode o = JSON.createObjectNode();
    o.put("schema", SCHEMA);
    o.put("run_id", run.runId());
    o.put("command", run.command());
    o.put("status", run.error() == null ? "succeeded" : "failed");
    o.put("error", run.error());
    o.put("error_kind", run.errorKind() == null ? null : run.errorKind().label());
    o.put("started", run.started().toString());
    o.put("ended", run.ended().toString());
    o.put("seconds", (run.ended().toEpochMilli() - run.started().toEpochMilli()) / 1000.0);
    o.put("definition", run.definition());
    o.put("raw", run.raw().isEmpty() ? null : run.raw());
    o.put("lake", run.lake());
    ArrayNode tables = o.putArray("tables");
    for (TableResult r : run.tables()) {
      ObjectNode t = tables.addObject();
      t.put("stage", r.stage().label());
      t.put("table", r.table());
      t.put("status", Report.label(r.status()));
      t.put("action", r.action() == null ? null : r.action().label());
      t.put("rows_read", r.rowsRead());
      t.put("rows_written", r.rowsWritten());
      t.put("rows_quarantined", r.rowsQuarantined());
      t.put("rows_superseded", r.rowsSuperseded());
      t.put("files", r.files());
      t.put("seconds", Math.round(r.seconds() * 1000) / 1000.0);
      t.put("note", r.note());
    }
    ArrayNode reconciliation = o.putArray("reconciliation");
    for (TableResult r : Report.reconciled(run.tables())) {
      ObjectNode t = reconciliation.addObject();
      t.put("table", r.table());
      t.put("read", r.rowsRead());
      t.put("written", r.rowsWritten());
      t.put("quarantined", r.rowsQuarantined());
      t.put("superseded", r.rowsSuperseded());
      t.put("balanced", r.rowsRead() == r.rowsWritten() + r.rowsQuarantined() + r.rowsSuperseded());
    }
    ArrayNode quality = o.putArray("quality");
    for (QualityResult q : run.quality()) {
      ObjectNode t = quality.addObject();
      t.put("dataset", q.dataset());
      t.put("rule", q.rule().label());
      t.put("action", q.rule().action().name().toLowerCase(Locale.ROOT));
      t.put("status", q.status().label());
      t.put("checked", q.checked());
      t.put("failed", q.failed());
      ArrayNode samples = t.putArray("samples");
      q.samples().forEach(samples::add);
      t.put("detail", q.detail());
    }
    ArrayNode warnings = o.putArray("warnings");
    run.warnings().forEach(warnings::add);
    try {
      return JSON.writeValueAsString(o) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The schema of a plan's document ({@code dpf plan --results FILE}). */
  public static final String PLAN_SCHEMA = "dpf.plan/1";

  /**
   * A plan as one JSON document, schema {@value #PLAN_SCHEMA}: what a run would do with each table,
   * and why, for a CI check; the same lines {@code dpf plan} prints.
   */
  static String planJson(
      String definition,
      String raw,
      String lake,
      List<dev.dpf.core.api.Planned> plan,
      List<String> warnings) {
    ObjectNode o = JSON.createObjectNode();
    o.put("schema", PLAN_SCHEMA);
    o.put("definition", definition);
    o.put("raw", raw.isEmpty() ? null : raw);
    o.put("lake", lake);
    o.put("changes", plan.stream().filter(p -> p.action().changes()).count());
    ArrayNode tables = o.putArray("tables");
    for (dev.dpf.core.api.Planned p : plan) {
      ObjectNode t = tables.addObject();
      t.put("stage", p.stage().label());
      t.put("table", p.table().toString());
      t.put("action", p.action().label());
      t.put("changes", p.action().changes());
      t.put("why", p.why());
    }
    ArrayNode w = o.putArray("warnings");
    warnings.forEach(w::add);
    try {
      return JSON.writeValueAsString(o) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Writes the document to {@code location}: a local file or a Hadoop URI (s3a://...). */
  static void write(String location, String json, Configuration conf) {
    Path path = new Path(location);
    try {
      FileSystem fs = path.getFileSystem(conf);
      try (OutputStream out = fs.create(path, true)) {
        out.write(json.getBytes(StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      throw new DpfException("Cannot write the run's results to " + location + ": " + e, e);
    }
  }
}
