package dev.dpf.definition;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dpf.definition.testing.Repo;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link DefinitionWriter} writes a definition that parses back to the same records, and its text
 * (so the digests taken from it) changes with the definition and only with it.
 */
class DefinitionWriterTest {
  /** Every model's SQL, by the file its definition names. */
  private static Map<String, String> sqlOf(PipelineDefinition d) {
    Map<String, String> out = new HashMap<>();
    d.models().forEach(m -> out.put(m.file(), m.sql()));
    return out;
  }

  private static PipelineDefinition roundTrip(PipelineDefinition d) {
    return Definitions.parse(d.file(), DefinitionWriter.json(d), sqlOf(d)::get);
  }

  @Test
  void theSampleDefinitionParsesBackToTheSameRecords() {
    PipelineDefinition d = Definitions.load(Repo.root().resolve("src/pipeline.yaml"));

    PipelineDefinition again = roundTrip(d);

    assertThat(again).isEqualTo(d);
    assertThat(DefinitionWriter.json(again)).isEqualTo(DefinitionWriter.json(d));
  }

  /** Every source kind and format, every rule kind, both incremental forms, PII, docs. */
  private static final String EVERY_SETTING =
      """
      sources:
        files:
          kind: csv-files
          path: files/t/
          header: false
          delimiter: ";"
          quote: "'"
          escape: "\\\\"
          encoding: ISO-8859-1
          null_value: NA
          date_format: d/M/yyyy
          on_error: fail
          description: partner files
          owner: partners team
          tags: [partner, daily]
        events: {kind: firehose-json, path: streaming/events, timestamp_format: "yyyy-MM-dd HH:mm"}
        db:
          kind: dms
          path: dms/db/c
          format: parquet
          include_op_for_full_load: true
          timestamp_column: ts
      datasets:
        t:
          source: files
          key: [id]
          ordering: [seen]
          partition_by: [day]
          on_new_columns: add
          history: scd2
          description: the partner's rows
          columns:
            id: {from: ID, type: int, nullable: false, description: the key}
            name: {type: string, pii: name}
            day: date
            seen: {type: timestamp, format: "yyyy-MM-dd'T'HH:mm"}
            amount: decimal(12,2)
            code: string
          quality:
            - {rule: not_null, columns: [id, name], action: quarantine}
            - {rule: range, column: amount, min: "0", max: "1000.50", action: warn}
            - {rule: regex, column: code, pattern: "^[A-Z]{2}$", action: warn}
            - {rule: allowed_values, column: code, values: [AA, BB], action: quarantine}
            - {rule: references, column: id, to: c.id, action: warn}
            - {rule: expect, name: positive, expression: amount > 0, action: fail}
            - {rule: unique, columns: [id, day], action: warn}
            - {rule: freshness, column: seen, max_age: 36h, action: warn}
            - {rule: min_rows, count: 2, action: fail}
            - {rule: max_quarantined, max: 10%, action: fail}
        c:
          source: db
          key: [id]
          columns: {id: int, v: string}
        e:
          source: events
          columns: {id: int}
      models:
        by_day:
          zone: transformed
          sql: by_day.sql
          partition_by: [day]
          incremental: {changes_of: transformed.t, partition: day}
        by_key:
          sql: by_key.sql
          pii_in_clear: [name]
          incremental: {changes_of: transformed.t, key: id}
          description: names by key
          columns: {id: the key, name: in clear on purpose}
          quality:
            - {rule: not_null, column: id, action: quarantine}
      """;

  @Test
  void everySettingParsesBack() {
    Map<String, String> sql =
        Map.of(
            "by_day.sql", "SELECT day, count(*) AS n FROM transformed.t GROUP BY day",
            "by_key.sql", "SELECT id, name FROM transformed.t");
    PipelineDefinition d = Definitions.parse("every.yaml", EVERY_SETTING, sql::get);

    PipelineDefinition again = roundTrip(d);

    assertThat(again).isEqualTo(d);
    assertThat(again.docs()).isEqualTo(d.docs());
    assertThat(DefinitionWriter.json(again)).isEqualTo(DefinitionWriter.json(d));
  }

  @Test
  void theTextChangesWithTheDefinitionAndOnlyWithIt() {
    Map<String, String> sql = Map.of("m.sql", "SELECT id FROM transformed.t");
    String base =
        """
        sources:
          s: {kind: csv-files, path: files/s}
        datasets:
          t: {source: s, key: [id], columns: {id: int, v: string}}
        models:
          m: {sql: m.sql}
        """;
    String json = DefinitionWriter.json(Definitions.parse("a.yaml", base, sql::get));

    // The same definition written in another order and style: the same text.
    String reordered =
        """
        models:
          m: {sql: m.sql, zone: curated}
        datasets:
          t:
            columns:
              id: {type: int}
              v: {type: string, nullable: true}
            key: [id]
            source: s
        sources:
          s: {path: files/s/, kind: csv-files, header: true}
        """;
    assertThat(DefinitionWriter.json(Definitions.parse("a.yaml", reordered, sql::get)))
        .isEqualTo(json);
    // A changed setting: another text.
    assertThat(
            DefinitionWriter.json(
                Definitions.parse("a.yaml", base.replace("v: string", "v: int"), sql::get)))
        .isNotEqualTo(json);
    assertThat(DefinitionWriter.digest(json, "x"))
        .hasSize(64)
        .isNotEqualTo(DefinitionWriter.digest(json, "y"));
  }
}
