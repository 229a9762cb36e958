package dev.dpf.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dpf.core.testing.SparkExtension;
import dev.dpf.jobs.testing.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code dpf run --select}: only the chosen tables are touched; the others say not selected. */
class SelectRunTest {
  @TempDir Path dir;

  @Test
  void aModelAndWhatItReadsRunAndTheRestIsNotTouched() throws Exception {
    Path definition = dir.resolve("pipeline.yaml");
    Files.writeString(
        definition,
        """
        sources:
          a: {kind: csv-files, path: files/a}
          b: {kind: csv-files, path: files/b}
        datasets:
          a: {source: a, key: [id], columns: {id: {type: int, nullable: false}}}
          b: {source: b, key: [id], columns: {id: {type: int, nullable: false}}}
        models:
          m: {sql: models/m.sql}
        """);
    Files.createDirectories(dir.resolve("models"));
    Files.writeString(dir.resolve("models/m.sql"), "SELECT count(*) AS n FROM transformed.a\n");
    for (String s : List.of("a", "b")) {
      Files.createDirectories(dir.resolve("raw/files/" + s));
      Files.writeString(dir.resolve("raw/files/" + s + "/1.csv"), "id\n1\n2\n");
    }
    Path lake = dir.resolve("lake");
    Path results = dir.resolve("results.json");

    CliRun r = CliRun.run(dir, lake, definition, "--select", "+m", "--results", results.toString());

    assertThat(r.code()).as(r.err()).isZero();
    List<String> statuses = new ArrayList<>();
    new ObjectMapper()
        .readTree(results.toFile())
        .path("tables")
        .forEach(
            (JsonNode t) ->
                statuses.add(t.path("table").asText() + " " + t.path("status").asText()));
    assertThat(statuses)
        .containsExactly(
            "consolidated.a ok",
            "consolidated.b not selected",
            "transformed.a ok",
            "transformed.b not selected",
            "curated.m ok");
    assertThat(r.out())
        .containsPattern("(?m)^  ingest    consolidated\\.b +not selected +0 +0 +0 +0 +0\\.0$");
    assertThat(lake.resolve("consolidated/a")).isDirectory();
    assertThat(lake.resolve("consolidated/b")).doesNotExist();
    assertThat(lake.resolve("transformed/b")).doesNotExist();
    // The run log has the tables the run wrote, and nothing of those it did not select.
    List<String> logged = new ArrayList<>();
    for (Row row :
        SparkExtension.session()
            .read()
            .format("delta")
            .load(lake.resolve("_system/runs").toString())
            .select("table_name")
            .orderBy("table_name")
            .collectAsList()) {
      logged.add(row.getString(0));
    }
    assertThat(logged).containsExactly("consolidated.a", "curated.m", "transformed.a");

    // Nothing new, but --full-refresh: the selected dataset is rebuilt from its 2 consolidated
    // rows, the model from scratch; ingest has nothing new to read.
    CliRun again = CliRun.run(dir, lake, definition, "--select", "+m", "--full-refresh");

    assertThat(again.code()).as(again.err()).isZero();
    assertThat(again.out())
        .containsPattern("(?m)^  ingest    consolidated\\.a +up-to-date ")
        .containsPattern(
            "(?m)^  transform transformed\\.a +2 read +2 written +0 quarantined +0 superseded"
                + " +[0-9.]+s  rebuilt \\(full refresh\\) from consolidated\\.a")
        .containsPattern(
            "(?m)^  curate    curated\\.m +1 read +1 written .*rebuilt \\(full refresh\\)")
        .containsPattern("(?m)^  transformed\\.a +2 = 2 \\+ 0 \\+ 0 +ok$");

    // The model alone, rebuilt: the full refresh is the selection's, so its input (up to date,
    // not selected) is not said to be out of date.
    CliRun alone = CliRun.run(dir, lake, definition, "--select", "m", "--full-refresh");

    assertThat(alone.code()).as(alone.err()).isZero();
    assertThat(alone.out())
        .containsPattern(
            "(?m)^  curate    curated\\.m +1 read +1 written .*rebuilt \\(full refresh\\)$")
        .doesNotContain("out of date");
  }
}
