package dev.dpf.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dpf.jobs.testing.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commands over a lake's runs, as a user types them: {@code runs}, {@code sql --as-of-run},
 * {@code diff}, {@code restore --to-run} (dry run, then for real, then a run that converges) and
 * {@code maintain}, on two hand-written deliveries of a partner file source.
 */
class RunsCommandsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  @Test
  void runsCanBeListedReadAsOfComparedRestoredAndMaintained() throws Exception {
    Path definition = dir.resolve("pipeline.yaml");
    Files.writeString(
        definition,
        """
        sources:
          a: {kind: csv-files, path: files/a}
        datasets:
          a: {source: a, key: [id], columns: {id: {type: int, nullable: false}, x: int}}
        maintenance: {keep_runs: 2, keep_days: 0}
        """);
    Path raw = dir.resolve("raw/files/a");
    Files.createDirectories(raw);
    Files.writeString(raw.resolve("1.csv"), "id,x\n1,10\n2,20\n");
    Path lake = dir.resolve("lake");
    assertThat(CliRun.run(dir, lake, definition).code()).isZero();
    // The second delivery corrects 1 and adds 3.
    Files.writeString(raw.resolve("2.csv"), "id,x\n1,11\n3,30\n");
    assertThat(CliRun.run(dir, lake, definition).code()).isZero();

    CliRun runs = dpf("runs", "--lake", lake.toString(), "--format", "json");
    assertThat(runs.code()).as(runs.err()).isZero();
    List<JsonNode> listed = new ArrayList<>();
    for (String line : runs.out().strip().split("\n")) {
      listed.add(JSON.readTree(line));
    }
    assertThat(listed).hasSize(2);
    String second = listed.get(0).path("run_id").asText();
    String first = listed.get(1).path("run_id").asText();
    assertThat(listed.get(1).path("stages").asText()).isEqualTo("ingest,transform");
    assertThat(listed.get(1).path("status").asText()).isEqualTo("ok");
    assertThat(listed.get(0).path("rows_written").asLong()).isEqualTo(4); // 2 ingested, 2 merged
    assertThat(listed).allMatch(r -> r.path("restorable").asBoolean());

    CliRun asOf =
        dpf(
            "sql",
            "--lake",
            lake.toString(),
            "--as-of-run",
            first,
            "--format",
            "csv",
            "select id, x from transformed.a order by id");
    assertThat(asOf.out()).isEqualTo("id,x\n1,10\n2,20\n");
    CliRun write =
        dpf("sql", "--lake", lake.toString(), "--as-of-run", first, "delete from transformed.a");
    assertThat(write.code()).isEqualTo(1);
    assertThat(write.err()).contains("reads a past state: statements that write are refused");

    CliRun diff =
        dpf(
            "diff",
            first,
            second,
            "--lake",
            lake.toString(),
            "--definition",
            definition.toString(),
            "--format",
            "json",
            "--select",
            "transformed.a");
    assertThat(diff.code()).as(diff.err()).isZero();
    JsonNode a = JSON.readTree(diff.out().strip());
    assertThat(a.path("table").asText()).isEqualTo("transformed.a");
    assertThat(
            List.of(
                a.path("inserted").asLong(),
                a.path("updated").asLong(),
                a.path("deleted").asLong()))
        .containsExactly(1L, 1L, 0L);
    assertThat(a.path("examples").toString()).isEqualTo("[\"+ id=3\",\"~ id=1\"]");

    CliRun dryRun =
        dpf(
            "restore",
            "--to-run",
            first,
            "--dry-run",
            "--lake",
            lake.toString(),
            "--definition",
            definition.toString());
    assertThat(dryRun.code()).as(dryRun.err()).isZero();
    assertThat(dryRun.out().lines().filter(l -> l.contains(" transformed.a ")).findFirst())
        .hasValueSatisfying(
            l -> assertThat(l.strip()).matches("transformed\\.a +restore +[0-9]+ +[0-9]+ +3 +2"));
    assertThat(dpf("sql", "--lake", lake.toString(), "select count(*) from transformed.a").out())
        .contains("| 3 ");

    CliRun restore =
        dpf(
            "restore",
            "--to-run",
            first,
            "--lake",
            lake.toString(),
            "--definition",
            definition.toString());
    assertThat(restore.code()).as(restore.err()).isZero();
    assertThat(restore.out()).contains("the next run reads the raw files delivered since");
    assertThat(csv(lake, "select id, x from transformed.a order by id"))
        .isEqualTo("id,x\n1,10\n2,20\n");
    // The next run reads the second delivery again and converges.
    assertThat(CliRun.run(dir, lake, definition).code()).isZero();
    assertThat(csv(lake, "select id, x from transformed.a order by id"))
        .isEqualTo("id,x\n1,11\n2,20\n3,30\n");

    CliRun maintain =
        dpf("maintain", "--lake", lake.toString(), "--definition", definition.toString());
    assertThat(maintain.code()).as(maintain.err()).isZero();
    assertThat(maintain.out())
        .contains("keeps      the last 2 run(s) and 0 day(s)")
        .containsPattern("maintain +transformed\\.a .*keeps runs from ");
    assertThat(csv(lake, "select id, x from transformed.a order by id"))
        .isEqualTo("id,x\n1,11\n2,20\n3,30\n");
  }

  private static String csv(Path lake, String sql) {
    CliRun r = dpf("sql", "--lake", lake.toString(), "--format", "csv", sql);
    assertThat(r.code()).as(r.err()).isZero();
    return r.out();
  }

  private static CliRun dpf(String... args) {
    return CliRun.dpf(args);
  }
}
