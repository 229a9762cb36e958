package dev.dpf.infra;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.dpf.definition.SourceDef;
import dev.dpf.definition.SourceKind;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the definition's {@code dms} sources ask of AWS DMS. DMS's S3 target writes {@code
 * [BucketFolder/]schema/table/}, so a source's path names its bucket folder, schema and table. One
 * S3 target endpoint writes one folder with one set of settings; sources that share them share an
 * endpoint and a replication task.
 */
final class DmsTargets {
  /** Keys sorted: {@code Map.of} iterates in a per-JVM order, and synthesis must not. */
  private static final ObjectMapper JSON =
      new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

  private DmsTargets() {}

  /** One MySQL table a task replicates, and the source that reads it. */
  record Table(String source, String schema, String table) {}

  /**
   * The S3 endpoint settings the ingest stage reads a source with.
   *
   * @param bucketFolder the folder DMS writes under, empty for the bucket root
   * @param parquet whether DMS writes Parquet (otherwise CSV)
   * @param header CSV files start with a header row ({@code AddColumnName})
   * @param nullValue the CSV text of NULL ({@code CsvNullValue}), or null for DMS's default
   * @param includeOpForFullLoad full-load rows carry the Op column
   * @param timestampColumn {@code TimestampColumnName}, or null
   */
  record Settings(
      String bucketFolder,
      boolean parquet,
      boolean header,
      String nullValue,
      boolean includeOpForFullLoad,
      String timestampColumn) {}

  /** One S3 target endpoint and replication task. */
  record Target(Settings settings, List<Table> tables) {}

  /**
   * Groups the definition's DMS sources into targets, in definition order.
   *
   * @throws IllegalArgumentException for a DMS source whose path is not {@code
   *     [folder/]schema/table}
   */
  static List<Target> of(List<SourceDef> sources) {
    Map<Settings, List<Table>> groups = new LinkedHashMap<>();
    for (SourceDef s : sources) {
      if (s.kind() != SourceKind.DMS) {
        continue;
      }
      String[] parts = s.path().split("/");
      if (parts.length < 2) {
        throw new IllegalArgumentException(
            "sources."
                + s.name()
                + ".path: a DMS source's path is [bucket folder/]schema/table, the layout DMS's"
                + " S3 target writes (for example dms/classicmodels/customers); got '"
                + s.path()
                + "'");
      }
      String folder = String.join("/", java.util.Arrays.copyOf(parts, parts.length - 2));
      Settings settings =
          new Settings(
              folder,
              s.format() == SourceDef.Format.PARQUET,
              s.csv().header(),
              s.csv().nullValue(),
              s.dms().includeOpForFullLoad(),
              s.dms().timestampColumn());
      groups
          .computeIfAbsent(settings, k -> new ArrayList<>())
          .add(new Table(s.name(), parts[parts.length - 2], parts[parts.length - 1]));
    }
    return groups.entrySet().stream().map(e -> new Target(e.getKey(), e.getValue())).toList();
  }

  /** The task's table mappings: one selection rule per table, in order. */
  static String tableMappings(List<Table> tables) {
    List<Map<String, Object>> rules = new ArrayList<>();
    for (int i = 0; i < tables.size(); i++) {
      Table t = tables.get(i);
      Map<String, Object> rule = new LinkedHashMap<>();
      rule.put("rule-type", "selection");
      rule.put("rule-id", String.valueOf(i + 1));
      rule.put("rule-name", "dpf-source-" + t.source());
      rule.put("object-locator", Map.of("schema-name", t.schema(), "table-name", t.table()));
      rule.put("rule-action", "include");
      rules.add(rule);
    }
    return json(Map.of("rules", rules));
  }

  /**
   * Task settings: full loads never drop what is in the raw zone (the ingest stage keeps track of
   * the files it read), and the task logs to CloudWatch.
   */
  static String taskSettings() {
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put(
        "TargetMetadata",
        Map.of("SupportLobs", true, "LimitedSizeLobMode", true, "LobMaxSize", 32));
    settings.put("FullLoadSettings", Map.of("TargetTablePrepMode", "DO_NOTHING"));
    settings.put("Logging", Map.of("EnableLogging", true));
    return json(settings);
  }

  private static String json(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
