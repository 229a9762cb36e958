package dev.dpf.jobs.cli;

import static dev.dpf.jobs.testing.CliRun.dpf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.dpf.core.testing.Repo;
import dev.dpf.jobs.testing.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line in-process: help, exit codes and one-line errors that come before Spark starts.
 */
class DpfCliTest {
  /** Every command, in the order the top-level help lists them. */
  private static final List<String> COMMANDS =
      List.of(
          "init",
          "validate",
          "run",
          "plan",
          "ingest",
          "transform",
          "curate",
          "quarantine",
          "sql",
          "tables",
          "runs",
          "diff",
          "restore",
          "erase",
          "maintain",
          "describe",
          "docs",
          "serve",
          "generate",
          "produce",
          "upload",
          "dms",
          "extract");

  @Test
  void everyCommandHasHelp() {
    for (String command : COMMANDS) {
      CliRun r = dpf(command, "--help");
      assertThat(r.code()).as(command).isZero();
      assertThat(r.out()).as(command).startsWith("Usage: dpf " + command);
    }
    List<String> listed =
        dpf("--help")
            .out()
            .lines()
            .filter(l -> l.startsWith("  ") && !l.startsWith("   "))
            .map(l -> l.strip().split("\\s+")[0])
            .filter(w -> !w.startsWith("-"))
            .toList();
    assertThat(listed).containsExactlyElementsOf(COMMANDS);
  }

  @Test
  void docsRefusesABadPortAndServingARemoteFolderBeforeItStarts(@TempDir Path dir)
      throws Exception {
    CliRun port = dpf("docs", "--lake", dir.toString(), "--port", "70000");
    assertThat(port.code()).isEqualTo(1);
    assertThat(port.err()).isEqualTo("dpf: --port must be between 0 and 65535, got 70000\n");
    CliRun remote = dpf("docs", "--lake", dir.toString(), "--serve", "--out", "s3a://bucket/site");
    assertThat(remote.code()).isEqualTo(1);
    assertThat(remote.err())
        .isEqualTo(
            "dpf: --serve serves a local folder; s3a://bucket/site is not one. Write the site"
                + " with --out to a local folder to serve it\n");
    try (var files = java.nio.file.Files.list(dir)) {
      assertThat(files).isEmpty(); // no lake, lock or catalog made
    }
  }

  @Test
  void aBadDefinitionIsOneLineNamingFileKeyAndFix(@TempDir Path dir) throws Exception {
    Path definition = dir.resolve("pipeline.yaml");
    Files.writeString(
        definition, "sources:\n  payments: {kind: kinesis, path: streaming/payments}\n");

    CliRun r =
        dpf(
            "run",
            "--definition",
            definition.toString(),
            "--raw",
            dir.toString(),
            "--lake",
            dir + "/lake");

    assertThat(r.code()).isEqualTo(Dpf.EXIT_USER_ERROR);
    assertThat(r.err())
        .isEqualTo(
            "dpf: "
                + definition
                + ": line 2: sources.payments.kind: unknown kind 'kinesis'. Use one of"
                + " firehose-json, dms, csv-files\n");
    assertThat(Files.exists(dir.resolve("lake"))).isFalse();
  }

  @Test
  void aMissingRawRootIsOneLine(@TempDir Path dir) {
    CliRun r =
        dpf(
            "run",
            "--definition",
            Repo.root().resolve("src/pipeline.yaml").toString(),
            "--raw",
            dir + "/nope",
            "--lake",
            dir + "/lake");

    assertThat(r.code()).isEqualTo(Dpf.EXIT_USER_ERROR);
    assertThat(r.err())
        .isEqualTo(
            "dpf: Raw root "
                + dir
                + "/nope does not exist. Pass --raw DIR with a folder laid out as streaming/,"
                + " dms/ and files/ (see README), or run 'dpf generate --out DIR' to make one\n");
  }

  @Test
  void aLakeThatIsAFileIsOneLineSayingSo(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("lake.txt"), "not a lake");
    String expected =
        "dpf: The lake at "
            + file
            + " is a file, not a folder. Pass --lake with the lake's folder (or a new one, which a"
            + " run makes)\n";

    String definition = Repo.root().resolve("src/pipeline.yaml").toString();
    String raw = Repo.root().resolve("sample-data").toString();
    for (List<String> command :
        List.of(
            List.of("run", "--raw", raw, "--definition", definition, "--lake", file.toString()),
            List.of("tables", "--lake", file.toString()))) {
      CliRun r = dpf(command.toArray(String[]::new));

      assertThat(r.code()).as(command.get(0)).isEqualTo(Dpf.EXIT_USER_ERROR);
      assertThat(r.err()).as(command.get(0)).isEqualTo(expected);
    }
    assertThat(file).hasContent("not a lake");
  }

  @Test
  void aMistypedOptionIsAUsageError() {
    CliRun r = dpf("run", "--lakes", "x");

    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).isEqualTo("Unknown options: '--lakes', 'x'\nPossible solutions: --lake\n");
  }

  @Test
  void anUnknownSqlFormatIsAUsageError() {
    CliRun r = dpf("sql", "--format", "xml", "select 1");

    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err())
        .startsWith(
            "Invalid value for option '--format': expected one of [TABLE, CSV, JSON]"
                + " (case-insensitive) but was 'xml'\nUsage: dpf sql ");
  }

  @Test
  void anUnknownLogLevelIsAUsageError() {
    CliRun r = dpf("tables", "--log-level", "loud");

    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err())
        .startsWith(
            "Invalid value for option '--log-level': expected one of [ERROR, WARN, INFO, DEBUG]"
                + " (case-insensitive) but was 'loud'\nUsage: dpf tables ");
  }

  @Test
  void sqlTakesItsStatementsOneWayAndAFileItCanRead(@TempDir Path dir) {
    CliRun both = dpf("sql", "-e", "select 1", "select 2");
    assertThat(both.code()).isEqualTo(2);
    assertThat(both.err())
        .startsWith("Give the statements one way: QUERY, -e or -f\nUsage: dpf sql ");

    CliRun none = dpf("sql", "--max-rows", "0", "select 1");
    assertThat(none.code()).isEqualTo(2);
    assertThat(none.err()).startsWith("--max-rows must be at least 1, got 0\nUsage: dpf sql ");

    Path missing = dir.resolve("missing.sql");
    CliRun unreadable = dpf("sql", "--lake", dir.toString(), "-f", missing.toString());
    assertThat(unreadable.code()).isEqualTo(Dpf.EXIT_USER_ERROR);
    assertThat(unreadable.err())
        .isEqualTo(
            "dpf: Cannot read the SQL file "
                + missing
                + ": java.nio.file.NoSuchFileException: "
                + missing
                + "\n");

    CliRun empty = dpf("sql", "--lake", dir.toString(), "-e", " ; -- nothing");
    assertThat(empty.code()).isEqualTo(Dpf.EXIT_USER_ERROR);
    assertThat(empty.err()).isEqualTo("dpf: No SQL statement given (only blanks and comments)\n");
    assertThat(dir).isEmptyDirectory();
  }

  @Test
  void commandsThatReadALakeStopWhereThereIsNoneAndCreateNothing(@TempDir Path dir)
      throws Exception {
    Path empty = Files.createDirectory(dir.resolve("empty"));
    Path missing = dir.resolve("missing");
    for (Path lake : List.of(empty, missing)) {
      List<List<String>> commands =
          List.of(
              List.of("tables", "--lake", lake.toString()),
              List.of("sql", "--lake", lake.toString(), "select 1"),
              List.of("describe", "--lake", lake.toString(), "curated.customer_360"));
      for (List<String> command : commands) {
        CliRun r = dpf(command.toArray(String[]::new));

        assertThat(r.code()).as(command.toString()).isEqualTo(Dpf.EXIT_USER_ERROR);
        assertThat(r.err())
            .as(command.toString())
            .isEqualTo(
                "dpf: No lake at "
                    + lake
                    + ": it has no zone folder (consolidated, transformed, curated, quarantine), run"
                    + " log (_system/runs) or lock. Pass --lake with a lake's root, or make one there"
                    + " with dpf run or dpf init\n");
        assertThat(r.out()).isEmpty();
      }
    }
    assertThat(empty).isEmptyDirectory();
    assertThat(missing).doesNotExist();
    assertThat(dir).isDirectoryNotContaining(p -> !p.equals(empty));
  }

  @Test
  void generateWritesTheSample(@TempDir Path dir) throws Exception {
    CliRun r = dpf("generate", "--out", dir.toString());

    assertThat(r.code()).isZero();
    // 30 Firehose objects, a DMS full load and two CDC files, one partner file.
    assertThat(r.out()).isEqualTo("wrote 39 file(s) under " + dir + " (scale 1, seed 20261118)\n");
    assertThat(Files.readString(dir.resolve("files/transactions/transactions_2022-04-23.csv")))
        .isEqualTo(
            Files.readString(
                Repo.root().resolve("sample-data/files/transactions/transactions_2022-04-23.csv")));
  }

  @Test
  void generateRejectsAZeroScale(@TempDir Path dir) {
    CliRun r = dpf("generate", "--out", dir.toString(), "--scale", "0");

    assertThat(r.code()).isEqualTo(Dpf.EXIT_USER_ERROR);
    assertThat(r.err()).isEqualTo("dpf: --scale must be at least 1, got 0\n");
  }

  @Test
  void generateRejectsPaymentCountsAndBuffersFirehoseCannotHave(@TempDir Path dir) {
    CliRun none = dpf("generate", "--out", dir.toString(), "--payments", "0");
    assertThat(none.code()).isEqualTo(Dpf.EXIT_USER_ERROR);
    assertThat(none.err()).isEqualTo("dpf: --payments must be at least 1, got 0\n");

    CliRun big = dpf("generate", "--out", dir.toString(), "--firehose-buffer-mb", "129");
    assertThat(big.code()).isEqualTo(Dpf.EXIT_USER_ERROR);
    assertThat(big.err())
        .isEqualTo(
            "dpf: --firehose-buffer-mb must be between 1 and 128 (Firehose's range), got 129\n");
    assertThat(dir).isEmptyDirectory();
  }
}
