package dev.dpf.infra;

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
import software.amazon.awscdk.assertions.Capture;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

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
    Template ing = r.ingestion();
    Template tr = r.transformations();

    // DMS: the new table joins the existing task; the other folder gets its own endpoint and task.
    ing.resourceCountIs("AWS::DMS::ReplicationTask", 2);
    List<String> task = new ArrayList<>();
    for (String table : List.of("employees", "customers", "orders", "orderdetails", "products")) {
      task.add(table);
    }
    ing.hasResourceProperties(
        "AWS::DMS::ReplicationTask",
        Map.of(
            "TableMappings", Match.serializedJson(Match.objectLike(Map.of("rules", rules(task))))));
    ing.hasResourceProperties(
        "AWS::DMS::ReplicationTask",
        Map.of(
            "TableMappings",
            Match.serializedJson(Match.objectLike(Map.of("rules", rules(List.of("offices")))))));
    ing.hasResourceProperties(
        "AWS::DMS::Endpoint",
        Map.of(
            "EndpointType",
            "target",
            "S3Settings",
            Map.of("BucketFolder", "dms", "IncludeOpForFullLoad", false)));
    ing.hasResourceProperties(
        "AWS::DMS::Endpoint",
        Map.of(
            "EndpointType",
            "target",
            "S3Settings",
            Map.of("BucketFolder", "hr", "IncludeOpForFullLoad", true)));

    // Catalog entries for every new table, a named query for the new curated model.
    tr.resourceCountIs("AWS::Glue::Table", 20 + 4);
    for (String table :
        List.of(
            "consolidated.employees",
            "consolidated.offices",
            "transformed.employees",
            "curated.employee_directory")) {
      String[] parts = table.split("\\.");
      tr.hasResourceProperties(
          "AWS::Glue::Table",
          Map.of("DatabaseName", parts[0], "TableInput", Map.of("Name", parts[1])));
    }
    tr.resourceCountIs("AWS::Athena::NamedQuery", 7);
    tr.hasResourceProperties(
        "AWS::Athena::NamedQuery", Map.of("Name", "curated.employee_directory"));

    // The jobs may read the new raw folders, and nothing else was needed.
    Capture role = new Capture();
    tr.allResourcesProperties(
        "AWS::Glue::Job", Map.of("Role", Map.of("Fn::GetAtt", List.of(role, "Arn"))));
    List<String> granted = new ArrayList<>();
    for (JsonNode s : Synth.statements(tr, role.asString())) {
      granted.addAll(Synth.list(s.get("Resource")));
    }
    assertThat(granted)
        .anyMatch(g -> g.endsWith("/dms/classicmodels/employees/*"))
        .anyMatch(g -> g.endsWith("/hr/classicmodels/offices/*"))
        .contains(
            "arn:<AWS::Partition>:glue:<AWS::Region>:<AWS::AccountId>:table/curated/employee_directory");
  }

  /** A task's table mappings: exactly these classicmodels tables, in this order. */
  private static Object rules(List<String> tables) {
    List<Object> out = new ArrayList<>();
    for (String table : tables) {
      out.add(
          Match.objectLike(
              Map.of(
                  "rule-action",
                  "include",
                  "object-locator",
                  Map.of("schema-name", "classicmodels", "table-name", table))));
    }
    return Match.exact(out);
  }

  private static String insertAfter(String text, String marker, String insert) {
    int at = text.indexOf("\n" + marker);
    assertThat(at).as(marker).isNotNegative();
    int end = at + 1 + marker.length();
    return text.substring(0, end) + insert + text.substring(end);
  }
}
