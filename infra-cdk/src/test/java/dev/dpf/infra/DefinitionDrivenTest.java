package dev.dpf.infra;

import static dev.dpf.infra.Synth.render;
import static dev.dpf.infra.Synth.resources;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Onboarding is an edit of the definition: a new DMS table, dataset and curated model get their DMS
 * mapping, catalog entries, job permissions and named query with no code change.
 */
class DefinitionDrivenTest {
  @TempDir Path dir;

  @Test
  void aNewSourceDatasetAndModelAppearInBothStacks() throws IOException {
    Path repoSrc = Synth.INFRA.resolve("../src").normalize();
    String yaml = Files.readString(repoSrc.resolve("pipeline.yaml"));
    yaml =
        insertAfter(
            yaml,
            "sources:\n",
            "  employees:\n"
                + "    kind: dms\n"
                + "    path: dms/classicmodels/employees\n"
                + "    timestamp_column: dms_timestamp\n"
                + "  offices:                         # another DMS folder with other settings\n"
                + "    kind: dms\n"
                + "    path: hr/classicmodels/offices\n"
                + "    include_op_for_full_load: true\n");
    yaml =
        insertAfter(
            yaml,
            "datasets:\n",
            "  employees:\n"
                + "    source: employees\n"
                + "    key: [employee_number]\n"
                + "    columns:\n"
                + "      employee_number: {from: employeeNumber, type: int, nullable: false}\n"
                + "      office_code: {from: officeCode, type: string}\n");
    yaml =
        insertAfter(
            yaml, "models:\n", "  employee_directory:\n    sql: models/employee_directory.sql\n");
    Files.writeString(dir.resolve("pipeline.yaml"), yaml);
    Files.createDirectories(dir.resolve("models"));
    try (Stream<Path> models = Files.list(repoSrc.resolve("models"))) {
      for (Path m : models.toList()) {
        Files.copy(m, dir.resolve("models").resolve(m.getFileName()));
      }
    }
    Files.writeString(
        dir.resolve("models/employee_directory.sql"),
        "SELECT employee_number, office_code FROM transformed.employees\n");

    Synth.Result r = Synth.with(Map.of("definition", dir.resolve("pipeline.yaml").toString()));
    JsonNode ing = r.ingestionJson();
    JsonNode tr = r.transformationsJson();

    // DMS: the new table joins the existing task; the other folder gets its own endpoint and task.
    Map<String, JsonNode> tasks = resources(ing, "AWS::DMS::ReplicationTask");
    assertThat(tasks).hasSize(2);
    List<List<String>> mapped = new ArrayList<>();
    for (JsonNode task : tasks.values()) {
      List<String> tables = new ArrayList<>();
      Synth.JSON
          .readTree(task.at("/Properties/TableMappings").asText())
          .get("rules")
          .forEach(
              rule ->
                  tables.add(
                      rule.at("/object-locator/schema-name").asText()
                          + "."
                          + rule.at("/object-locator/table-name").asText()));
      mapped.add(tables);
    }
    assertThat(mapped)
        .containsExactly(
            List.of(
                "classicmodels.employees",
                "classicmodels.customers",
                "classicmodels.orders",
                "classicmodels.orderdetails",
                "classicmodels.products"),
            List.of("classicmodels.offices"));
    List<String> folders = new ArrayList<>();
    resources(ing, "AWS::DMS::Endpoint").values().stream()
        .filter(e -> e.at("/Properties/EndpointType").asText().equals("target"))
        .forEach(
            e ->
                folders.add(
                    e.at("/Properties/S3Settings/BucketFolder").asText()
                        + " op="
                        + e.at("/Properties/S3Settings/IncludeOpForFullLoad").asBoolean()));
    assertThat(folders).containsExactly("dms op=false", "hr op=true");

    // Catalog entries for every new table, a named query for the new curated model.
    List<String> tables = new ArrayList<>();
    resources(tr, "AWS::Glue::Table")
        .values()
        .forEach(
            t ->
                tables.add(
                    t.at("/Properties/DatabaseName").asText()
                        + "."
                        + t.at("/Properties/TableInput/Name").asText()));
    assertThat(tables)
        .hasSize(20 + 4)
        .contains(
            "consolidated.employees",
            "consolidated.offices",
            "transformed.employees",
            "curated.employee_directory");
    assertThat(
            resources(tr, "AWS::Athena::NamedQuery").values().stream()
                .map(q -> q.at("/Properties/Name").asText()))
        .hasSize(7)
        .contains("curated.employee_directory");

    // The jobs may read the new raw folders, and nothing else was needed.
    List<String> granted = new ArrayList<>();
    for (String type : List.of("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")) {
      for (JsonNode policy : resources(tr, type).values()) {
        for (JsonNode s : policy.at("/Properties/PolicyDocument/Statement")) {
          granted.addAll(Synth.list(s.get("Resource")));
        }
      }
    }
    assertThat(granted)
        .anyMatch(g -> g.endsWith("/dms/classicmodels/employees/*"))
        .anyMatch(g -> g.endsWith("/hr/classicmodels/offices/*"))
        .contains(
            "arn:<AWS::Partition>:glue:<AWS::Region>:<AWS::AccountId>:table/curated/employee_directory");
    assertThat(
            render(
                resources(tr, "AWS::Glue::Job").values().iterator().next().at("/Properties/Role")))
        .endsWith(".Arn>");
  }

  private static String insertAfter(String text, String marker, String insert) {
    int at = text.indexOf("\n" + marker);
    assertThat(at).as(marker).isNotNegative();
    int end = at + 1 + marker.length();
    return text.substring(0, end) + insert + text.substring(end);
  }
}
