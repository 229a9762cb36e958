package dev.dpf.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dpf.jobs.run.StageRunner;
import dev.dpf.jobs.testing.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code dpf plan} (and {@code run --dry-run}) tells what a run would do with each table, and why,
 * writing nothing; a run with a selection says when a selected table reads stale tables it left
 * out.
 */
class PlanTest {
  @TempDir Path dir;

  /** The lines of a plan from its first table line to its last, without the header and total. */
  private static List<String> tableLines(String out) {
    return out.lines()
        .filter(
            l ->
                l.startsWith("  ")
                    && !l.startsWith("  definition")
                    && !l.startsWith("  raw ")
                    && !l.startsWith("  lake "))
        .toList();
  }

  private static String line(String stage, String table, String action, String why) {
    return String.format("  %-9s %-36s %-12s %s", stage, table, action, why);
  }

  /** Model m's plan when a changes: its id keys its rows by a's (and b's) ids. */
  private static final String M_RECOMPUTES =
      "the rows of the id values that changed rows of transformed.a touch (id keys its rows,"
          + " found in its SQL)";

  @Test
  void aPlanSaysWhatARunWouldDoAndWritesNothing() throws Exception {
    Path definition = dir.resolve("pipeline.yaml");
    Files.writeString(
        definition,
        """
        sources:
          a: {kind: csv-files, path: files/a}
          b: {kind: csv-files, path: files/b}
        datasets:
          a: {source: a, key: [id], columns: {id: {type: int, nullable: false}, x: int}}
          b: {source: b, key: [id], columns: {id: {type: int, nullable: false}, v: string}}
        models:
          m: {sql: m.sql}
          k:
            sql: k.sql
            incremental: {changes_of: transformed.a, key: id}
        """);
    Files.writeString(
        dir.resolve("m.sql"),
        "SELECT a.id, b.v FROM transformed.a a JOIN transformed.b b ON a.id = b.id");
    Files.writeString(dir.resolve("k.sql"), "SELECT id, x * 2 AS y FROM transformed.a");
    Path a1 = dir.resolve("raw/files/a/1.csv");
    Path b1 = dir.resolve("raw/files/b/1.csv");
    Files.createDirectories(a1.getParent());
    Files.createDirectories(b1.getParent());
    Files.writeString(a1, "id,x\n1,10\n2,20\n");
    Files.writeString(b1, "id,v\n1,one\n");
    Path lake = dir.resolve("lake");
    String[] plan = {
      "plan",
      "--raw",
      dir.resolve("raw").toString(),
      "--lake",
      lake.toString(),
      "--definition",
      definition.toString()
    };

    CliRun first = CliRun.dpf(plan);

    assertThat(first.code()).as(first.err()).isZero();
    assertThat(first.out()).startsWith("dpf plan  a dry run: nothing is written\n");
    assertThat(first.out()).contains("(no lake there yet: a run makes one)");
    assertThat(tableLines(first.out()))
        .containsExactly(
            line("ingest", "consolidated.a", "ingest", "1 new or changed raw file(s), 15 bytes"),
            line("ingest", "consolidated.b", "ingest", "1 new or changed raw file(s), 11 bytes"),
            line("transform", "transformed.a", "rebuild", "first run"),
            line("transform", "transformed.b", "rebuild", "first run"),
            line("curate", "curated.m", "rebuild", "first run"),
            line("curate", "curated.k", "rebuild", "first run"));
    assertThat(first.out())
        .containsPattern(
            "\n6 of 6 table\\(s\\) would change; nothing was" + " written \\([0-9.]+s\\)\n$");
    assertThat(lake).doesNotExist();

    assertThat(CliRun.run(dir, lake, definition).code()).isZero();
    Files.writeString(a1.resolveSibling("2.csv"), "id,x\n2,21\n3,30\n");
    // b's file copied again (a sync tool's copy): a new time, the same content.
    Files.setLastModifiedTime(
        b1, java.nio.file.attribute.FileTime.from(java.time.Instant.now().plusSeconds(60)));

    CliRun second = CliRun.dpf(plan);

    assertThat(tableLines(second.out()))
        .containsExactly(
            line("ingest", "consolidated.a", "ingest", "1 new or changed raw file(s), 15 bytes"),
            line(
                "ingest",
                "consolidated.b",
                "up-to-date",
                "0 file(s) already ingested; 1 file(s) delivered again unchanged, not read again"),
            line(
                "transform",
                "transformed.a",
                "merge",
                "the batches this run ingests into consolidated.a (rebuilt instead if they bring"
                    + " new columns or a DMS reload)"),
            line(
                "transform",
                "transformed.b",
                "up-to-date",
                "no consolidated.b rows after ingest batch 1"),
            line("curate", "curated.m", "recompute", M_RECOMPUTES),
            line(
                "curate",
                "curated.k",
                "recompute",
                "the keys that changed rows of transformed.a touch"));
    assertThat(second.out()).contains("\n4 of 6 table(s) would change;");
    List<String> runs;
    try (var files = Files.list(lake.resolve("_system/runs/_delta_log"))) {
      runs = files.map(p -> p.getFileName().toString()).sorted().toList();
    }

    // run --dry-run is the same plan; a selection leaves the rest out.
    String[] dryRun = plan.clone();
    dryRun[0] = "run";
    CliRun selected =
        CliRun.dpf(
            java.util.stream.Stream.concat(
                    java.util.Arrays.stream(dryRun),
                    java.util.stream.Stream.of("--dry-run", "--select", "+curated.m"))
                .toArray(String[]::new));
    assertThat(tableLines(selected.out()))
        .contains(
            line("curate", "curated.k", "not selected", "outside --select and --exclude"),
            line("curate", "curated.m", "recompute", M_RECOMPUTES));
    try (var files = Files.list(lake.resolve("_system/runs/_delta_log"))) {
      assertThat(files.map(p -> p.getFileName().toString()).sorted().toList()).isEqualTo(runs);
    }

    // A run of m alone: its input transformed.a is stale (new raw data it did not ingest).
    CliRun stale = CliRun.run(dir, lake, definition, "--select", "curated.m");

    assertThat(stale.code()).as(stale.err()).isZero();
    assertThat(
            stale
                .out()
                .lines()
                .filter(l -> l.contains(" curated.m ") && !l.endsWith(" started"))
                .findFirst()
                .orElseThrow())
        .isEqualTo(
            String.format(
                "  %-9s %-36s %-10s %s",
                "curate",
                "curated.m",
                "up-to-date",
                "from transformed.a, transformed.b; inputs unchanged since the last run; inputs"
                    + " not selected and out of date: transformed.a"));
  }

  /** A definition whose model hashes a name ({@code protect_name}), and a raw file of one row. */
  private Path hashingModel() throws Exception {
    Path definition = dir.resolve("pipeline.yaml");
    Files.writeString(
        definition,
        """
        sources:
          a: {kind: csv-files, path: files/a}
        datasets:
          a: {source: a, key: [id], columns: {id: {type: int, nullable: false}, name: {type: string, pii: name}}}
        models:
          m: {sql: m.sql}
        """);
    Files.writeString(
        dir.resolve("m.sql"), "SELECT id, protect_name(name) AS k FROM transformed.a");
    Path a1 = dir.resolve("raw/files/a/1.csv");
    Files.createDirectories(a1.getParent());
    Files.writeString(a1, "id,name\n1,Ann\n");
    return definition;
  }

  @Test
  void aPlanReadsThePiiKeyFromTheEnvironmentAsTheRunDoes() throws Exception {
    Path definition = hashingModel();
    Path lake = dir.resolve("lake");
    StageRunner.environment(Map.of("DPF_PII_KEY", "a-key-from-the-environment-0123456789"));
    try {
      assertThat(CliRun.run(dir, lake, definition).code()).isZero();

      CliRun planned =
          CliRun.dpf(
              "plan",
              "--raw",
              dir.resolve("raw").toString(),
              "--lake",
              lake.toString(),
              "--definition",
              definition.toString());

      assertThat(tableLines(planned.out()))
          .contains(
              line("curate", "curated.m", "up-to-date", "inputs unchanged since the last run"));
    } finally {
      StageRunner.environment(System.getenv());
    }
  }

  @Test
  void aPlanMakesNoKeyInTheLakeAndPlansTheRebuildTheRunThatMakesItDoes() throws Exception {
    Path definition = hashingModel();
    Path lake = dir.resolve("lake");
    Path lakeKey = lake.resolve("_system/pii.key");
    StageRunner.environment(Map.of("DPF_PII_KEY", "a-key-from-the-environment-0123456789"));
    try {
      assertThat(CliRun.run(dir, lake, definition).code()).isZero();
    } finally {
      StageRunner.environment(Map.of()); // the key is not given any more
    }
    try {
      assertThat(lakeKey).doesNotExist();

      CliRun planned =
          CliRun.dpf(
              "plan",
              "--raw",
              dir.resolve("raw").toString(),
              "--lake",
              lake.toString(),
              "--definition",
              definition.toString());

      assertThat(planned.code()).as(planned.err()).isZero();
      assertThat(lakeKey).as("a plan writes nothing, not even a key").doesNotExist();
      String rebuild = line("curate", "curated.m", "rebuild", "definition or SQL changed");
      assertThat(tableLines(planned.out())).contains(rebuild);

      // The run it planned: it makes the lake's own key, so the model is hashed anew.
      CliRun run = CliRun.run(dir, lake, definition);
      assertThat(run.code()).as(run.err()).isZero();
      assertThat(lakeKey).exists();
      assertThat(run.out())
          .containsPattern("(?m)^ *curate +curated\\.m .*definition or SQL changed");
    } finally {
      StageRunner.environment(System.getenv());
    }
  }

  @Test
  void aMistypedRawPathIsAWarningNamingTheCloseFolderFromValidateToRun() throws Exception {
    Path definition = dir.resolve("pipeline.yaml");
    Files.writeString(
        definition,
        """
        sources:
          t: {kind: csv-files, path: files/transaction}
        datasets:
          t: {source: t, key: [id], columns: {id: {type: int, nullable: false}}}
        """);
    Path raw = dir.resolve("raw");
    Files.createDirectories(raw.resolve("files/transactions"));
    Files.writeString(raw.resolve("files/transactions/1.csv"), "id\n1\n");
    Path lake = dir.resolve("lake");
    String missing =
        "no folder files/transaction/ under the raw root; did you mean files/transactions/?";

    CliRun validate =
        CliRun.dpf("validate", "--definition", definition.toString(), "--raw", raw.toString());

    assertThat(validate.code()).as(validate.err()).isZero();
    assertThat(validate.out())
        .endsWith("\n  warning: sources.t.path: " + missing + " (" + raw + ")\n");

    Path json = dir.resolve("plan.json");
    String[] plan = {
      "plan",
      "--raw",
      raw.toString(),
      "--lake",
      lake.toString(),
      "--definition",
      definition.toString(),
      "--results",
      json.toString()
    };
    CliRun planned = CliRun.dpf(plan);

    assertThat(planned.code()).as(planned.err()).isZero();
    assertThat(tableLines(planned.out()))
        .containsExactly(
            line("ingest", "consolidated.t", "skip", missing),
            line(
                "transform",
                "transformed.t",
                "skip",
                "consolidated.t does not exist (nothing ingested)"),
            "  source 't': " + missing);
    com.fasterxml.jackson.databind.JsonNode doc =
        new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.toFile());
    assertThat(doc.path("schema").asText()).isEqualTo("dpf.plan/1");
    assertThat(doc.path("changes").asLong()).isZero();
    assertThat(doc.path("tables").get(0).path("action").asText()).isEqualTo("skip");
    assertThat(doc.path("tables").get(0).path("why").asText()).isEqualTo(missing);
    assertThat(doc.path("warnings").get(0).asText()).isEqualTo("source 't': " + missing);

    String[] withReport = java.util.Arrays.copyOf(plan, plan.length + 2);
    withReport[plan.length] = "--report";
    withReport[plan.length + 1] = dir.resolve("site").toString();
    CliRun refused = CliRun.dpf(withReport);

    assertThat(refused.code()).isEqualTo(2);
    assertThat(refused.err())
        .startsWith(
            "A plan writes nothing and fails no run: --report apply to runs only. --results FILE"
                + " writes the plan as JSON\n");

    CliRun strict = CliRun.run(dir, lake, definition, "--fail-on-warn");

    assertThat(strict.code()).isEqualTo(1);
    assertThat(strict.err())
        .isEqualTo(
            "dpf: 1 warning(s) (source 't': "
                + missing
                + "), and warnings fail this run (--fail-on-warn)\n");
    assertThat(strict.out()).contains("\nWarnings\n  source 't': " + missing + "\n");
  }
}
