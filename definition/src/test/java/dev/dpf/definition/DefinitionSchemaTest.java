package dev.dpf.definition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.dpf.definition.testing.Repo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The published JSON Schema of {@code pipeline.yaml} ({@code src/pipeline.schema.json}) says what
 * the parser takes: the same keys in every section, the same choices, and it accepts the
 * repository's definition.
 */
class DefinitionSchemaTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private static JsonNode schemaNode() throws Exception {
    return JSON.readTree(Files.readString(Repo.root().resolve("src/pipeline.schema.json")));
  }

  private static JsonNode definitions() throws Exception {
    return schemaNode().get("definitions");
  }

  private static Set<String> properties(JsonNode objectSchema) {
    assertThat(objectSchema.path("additionalProperties").asBoolean(true))
        .as("a closed map, as the parser rejects unknown keys")
        .isFalse();
    Set<String> out = new TreeSet<>();
    objectSchema.get("properties").fieldNames().forEachRemaining(out::add);
    return out;
  }

  private static List<String> choices(JsonNode property) {
    List<String> out = new ArrayList<>();
    property.get("enum").forEach(n -> out.add(n.asText()));
    return out;
  }

  private static List<String> lowerNames(Enum<?>[] values) {
    return Arrays.stream(values).map(e -> e.name().toLowerCase(Locale.ROOT)).toList();
  }

  @Test
  void everySectionTakesExactlyTheKeysTheParserTakes() throws Exception {
    JsonNode defs = definitions();
    assertThat(properties(schemaNode())).isEqualTo(new TreeSet<>(DefinitionParser.KEYS));
    assertThat(properties(defs.get("source"))).isEqualTo(new TreeSet<>(SourceParser.KEYS));
    assertThat(properties(defs.get("dataset"))).isEqualTo(new TreeSet<>(DatasetParser.KEYS));
    assertThat(properties(defs.get("column").get("anyOf").get(1)))
        .isEqualTo(new TreeSet<>(DatasetParser.COLUMN_KEYS));
    assertThat(properties(defs.get("model"))).isEqualTo(new TreeSet<>(ModelParser.KEYS));
    assertThat(properties(schemaNode().get("properties").get("maintenance")))
        .isEqualTo(new TreeSet<>(DefinitionParser.MAINTENANCE_KEYS));
    assertThat(properties(defs.get("model").get("properties").get("incremental")))
        .isEqualTo(new TreeSet<>(ModelParser.INCREMENTAL_KEYS));
    for (QualityRule.Kind kind : QualityRule.Kind.values()) {
      Set<String> expected = new TreeSet<>(QualityRuleParser.KEYS);
      expected.addAll(kind.settings());
      assertThat(properties(defs.get("rule_" + kind.key()))).as(kind.key()).isEqualTo(expected);
    }
  }

  @Test
  void theChoicesAreThoseOfTheDefinitionsTypes() throws Exception {
    JsonNode defs = definitions();
    assertThat(choices(defs.get("rule").get("properties").get("rule")))
        .containsExactlyElementsOf(
            Arrays.stream(QualityRule.Kind.values()).map(QualityRule.Kind::key).toList());
    for (QualityRule.Kind kind : QualityRule.Kind.values()) {
      List<String> actions = new ArrayList<>(lowerNames(QualityRule.Action.values()));
      if (!kind.rowLevel()) {
        actions.remove("quarantine");
      }
      assertThat(choices(defs.get("rule_" + kind.key()).get("properties").get("action")))
          .as(kind.key())
          .containsExactlyElementsOf(actions);
    }
    JsonNode source = defs.get("source").get("properties");
    assertThat(choices(source.get("kind")))
        .containsExactlyElementsOf(
            Arrays.stream(SourceKind.values()).map(SourceKind::label).toList());
    assertThat(choices(source.get("format")))
        .containsExactlyElementsOf(lowerNames(SourceDef.Format.values()));
    assertThat(choices(source.get("on_error")))
        .containsExactlyElementsOf(lowerNames(SourceDef.OnError.values()));
    JsonNode dataset = defs.get("dataset").get("properties");
    assertThat(choices(dataset.get("on_new_columns")))
        .containsExactlyElementsOf(lowerNames(DatasetDef.NewColumns.values()));
    assertThat(choices(dataset.get("history")))
        .containsExactlyElementsOf(lowerNames(DatasetDef.History.values()));
    assertThat(choices(defs.get("column").get("anyOf").get(1).get("properties").get("pii")))
        .containsExactlyElementsOf(lowerNames(Pii.values()));
  }

  private static Set<String> problems(String yaml) throws Exception {
    JsonSchema schema =
        JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7).getSchema(schemaNode());
    Set<String> out = new HashSet<>();
    for (ValidationMessage m : schema.validate(YAML.readTree(yaml))) {
      out.add(m.getInstanceLocation().toString());
    }
    return out;
  }

  @Test
  void itAcceptsTheRepositorysDefinitionAsTheParserDoes() throws Exception {
    Path file = Repo.root().resolve("src/pipeline.yaml");
    Definitions.load(file); // the parser accepts it
    assertThat(problems(Files.readString(file))).isEmpty();
    assertThat(Files.readString(file)).startsWith("# yaml-language-server: $schema=");
  }

  @Test
  void itRejectsWhatTheParserRejectsAtTheSameKey() throws Exception {
    String head =
        """
        sources:
          t: {kind: csv-files, path: files/t}
        datasets:
          t:
            key: id
            columns:
              id: string
              amount: decimal(12,2)
        """;
    String[][] cases = {
      // YAML, the key path the parser names, the location the schema names
      {head + "    partition: [id]\n", "datasets.t.partition", "$.datasets.t"},
      {
        head + "    quality: [{rule: range, column: amount, pattern: x, action: warn}]\n",
        "datasets.t.quality[0].pattern",
        "$.datasets.t.quality[0]"
      },
      {
        head + "    quality: [{rule: min_rows, count: 1, action: quarantine}]\n",
        "datasets.t.quality[0].action",
        "$.datasets.t.quality[0].action"
      },
      {
        head + "    quality: [{rule: freshness, column: amount, max_age: 3 days, action: warn}]\n",
        "datasets.t.quality[0].max_age",
        "$.datasets.t.quality[0].max_age"
      },
      {head.replace("csv-files", "csv_files"), "sources.t.kind", "$.sources.t.kind"},
      {
        head.replace("decimal(12,2)", "decimal"),
        "datasets.t.columns.amount",
        "$.datasets.t.columns.amount"
      },
    };
    for (String[] c : cases) {
      assertThatThrownBy(() -> Definitions.parse("p.yaml", c[0], f -> null))
          .as(c[1])
          .isInstanceOf(DefinitionException.class)
          .hasMessageMatching(
              "p\\.yaml: line [0-9]+: " + java.util.regex.Pattern.quote(c[1]) + ": (?s).*");
      assertThat(problems(c[0])).as(c[1]).contains(c[2]);
    }
  }
}
