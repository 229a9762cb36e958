package dev.dpf.jobs.run;

import dev.dpf.core.api.Selection;
import dev.dpf.core.api.Stage;
import dev.dpf.core.api.SystemTables;
import dev.dpf.core.storage.Lake;
import dev.dpf.definition.DatasetDef;
import dev.dpf.definition.PipelineDefinition;
import dev.dpf.definition.TableName;
import dev.dpf.definition.Zone;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** {@code dpf quarantine list}: the quarantined records counted by stage, table and reason. */
public final class QuarantineReport {
  private QuarantineReport() {}

  public static void print(
      SparkSession spark,
      PipelineDefinition definition,
      Lake lake,
      List<String> select,
      List<String> exclude,
      PrintWriter out) {
    if (!lake.exists(SystemTables.QUARANTINE)) {
      out.println("No quarantined records.");
      out.flush();
      return;
    }
    Dataset<Row> records = lake.read(SystemTables.QUARANTINE);
    Selection selection = Selection.of(spark, definition);
    Set<String> chosen = selection.choose(select, exclude);
    boolean filtered = !select.isEmpty() || !exclude.isEmpty();
    List<Row> rows = SystemTables.quarantineByReason(records).collectAsList();
    Set<String> datasets =
        definition.datasets().stream()
            .map(DatasetDef::name)
            .collect(java.util.stream.Collectors.toSet());
    String format = "  %-9s %-36s %9s  %s%n";
    out.printf(Locale.ROOT, format, "stage", "table", "records", "reason");
    long total = 0;
    long replayable = 0;
    for (Row r : rows) {
      String stage = r.getString(0);
      String table = tableOf(stage, r.getString(1));
      if (filtered && !selection.contains(chosen, table)) {
        continue;
      }
      long n = r.getLong(3);
      total += n;
      if (stage.equals(Stage.TRANSFORM.label()) && datasets.contains(r.getString(1))) {
        replayable += n;
      }
      String reason = r.getString(2);
      String example = r.getString(6);
      out.printf(
          Locale.ROOT,
          format,
          stage,
          table,
          String.format(Locale.ROOT, "%,d", n),
          reason + (example.equals(reason) ? "" : "   e.g. " + example));
    }
    out.printf(
        Locale.ROOT,
        "%n%,d quarantined record(s); %,d of datasets' transforms, which dpf quarantine replay runs"
            + " again once the definition is fixed. Ingest records are read again by dpf run"
            + " --reingest SOURCE; a model's rows are judged again when it is rebuilt.%n",
        total,
        replayable);
    out.flush();
  }

  /** The table a quarantine record belongs to: its stage's zone and its dataset's name. */
  private static String tableOf(String stage, String dataset) {
    Zone zone =
        switch (Stage.of(stage)) {
          case INGEST -> Zone.CONSOLIDATED;
          case CURATE -> Zone.CURATED;
          default -> Zone.TRANSFORMED;
        };
    return new TableName(zone, dataset).toString();
  }
}
