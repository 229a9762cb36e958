package dev.dpf.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dpf.core.testing.DatasetAssert;
import dev.dpf.core.testing.SparkExtension;
import dev.dpf.jobs.testing.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --reingest SOURCE}: every raw file of the source read again, replacing its consolidated
 * table after saying so; its dataset rebuilt; later runs up to date again.
 */
class ReingestTest {
  @TempDir Path dir;

  private static String lineOf(String out, String table) {
    return out.lines()
        .filter(l -> l.startsWith("  ") && l.contains(" " + table + " ") && !l.endsWith(" started"))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no line for " + table + " in\n" + out));
  }

  @Test
  void aReingestReplacesTheConsolidatedTableWithWhatTheRawZoneHoldsNow() throws Exception {
    Path definition = dir.resolve("pipeline.yaml");
    Files.writeString(
        definition,
        """
        sources:
          a: {kind: csv-files, path: files/a}
        datasets:
          a: {source: a, key: [id], columns: {id: {type: int, nullable: false}, x: int}}
        """);
    Path raw = dir.resolve("raw/files/a");
    Files.createDirectories(raw);
    Files.writeString(raw.resolve("1.csv"), "id,x\n1,10\n2,20\n");
    Files.writeString(raw.resolve("2.csv"), "id,x\n3,30\n");
    Path lake = dir.resolve("lake");
    assertThat(CliRun.run(dir, lake, definition).code()).isZero();
    // A partner withdrew 2.csv and sent 3.csv.
    Files.delete(raw.resolve("2.csv"));
    Files.writeString(raw.resolve("3.csv"), "id,x\n4,40\n");
    long bytes = Files.size(raw.resolve("1.csv")) + Files.size(raw.resolve("3.csv"));

    CliRun plan = CliRun.dpf(planArgs(definition, lake, "--reingest", "a"));

    assertThat(lineOf(plan.out(), "consolidated.a"))
        .isEqualTo(
            String.format(
                "  %-9s %-36s %-12s %s",
                "ingest",
                "consolidated.a",
                "reingest",
                "all 2 raw file(s), "
                    + bytes
                    + " bytes, read again; they replace the table's rows"));
    assertThat(lineOf(plan.out(), "transformed.a"))
        .endsWith("rebuild      consolidated.a is re-ingested first");

    CliRun r = CliRun.run(dir, lake, definition, "--reingest", "a");

    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out().lines().filter(l -> l.startsWith("--reingest")).toList())
        .containsExactly(
            "--reingest a: consolidated.a (3 row(s)) is replaced by every record of the 2 raw"
                + " file(s) now under files/a/ ("
                + bytes
                + " bytes), read again; its ingest quarantine is replaced too; transformed.a"
                + " rebuilt from the new rows");
    assertThat(r.out().indexOf("--reingest a:")).isLessThan(r.out().indexOf("consolidated.a "));
    assertThat(lineOf(r.out(), "consolidated.a"))
        .containsPattern(" 3 read +3 written +0 quarantined")
        .endsWith("re-ingested all 2 raw file(s), " + bytes + " bytes, replacing 3 earlier row(s)");
    assertThat(lineOf(r.out(), "transformed.a"))
        .contains("rebuilt (consolidated.a was re-ingested) from consolidated.a");
    DatasetAssert.diff(
        List.of("1|10", "2|20", "4|40"),
        DatasetAssert.rowsAsText(
            SparkExtension.session()
                .read()
                .format("delta")
                .load(lake.resolve("transformed/a").toString())
                .select("id", "x")));

    CliRun again = CliRun.run(dir, lake, definition);

    assertThat(lineOf(again.out(), "consolidated.a")).endsWith("2 file(s) already ingested");
    assertThat(lineOf(again.out(), "transformed.a")).contains("up-to-date");

    CliRun unknown = CliRun.run(dir, lake, definition, "--reingest", "zz");
    assertThat(unknown.code()).isEqualTo(Dpf.EXIT_USER_ERROR);
    assertThat(unknown.err()).isEqualTo("dpf: --reingest zz: no such source. The sources are a\n");
  }

  private String[] planArgs(Path definition, Path lake, String... more) {
    List<String> args =
        new java.util.ArrayList<>(
            List.of(
                "plan",
                "--raw",
                dir.resolve("raw").toString(),
                "--lake",
                lake.toString(),
                "--definition",
                definition.toString()));
    args.addAll(List.of(more));
    return args.toArray(String[]::new);
  }
}
