package dev.dpf.core.internal.stage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dpf.core.api.IngestHooks;
import dev.dpf.core.api.Planned;
import dev.dpf.core.api.Selection;
import dev.dpf.core.api.TableResult;
import dev.dpf.core.pipeline.Pipeline;
import dev.dpf.definition.PipelineDefinition;
import java.nio.file.Files;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;

/**
 * What {@code plan} says a run would do with each table is what the run then does, over a sequence
 * of lake states: a first run, nothing new, a new file beside a file delivered again unchanged, a
 * new file whose every row the dataset quarantines, a changed definition, {@code --reingest}, a
 * selection, {@code --full-refresh}, and a run that failed half way.
 */
class PlanRunAgreementTest extends IngestFixture {
  private static final String SOURCES =
      "a: {kind: csv-files, path: files/a}\n  b: {kind: csv-files, path: files/b}";

  private static String rest(String aColumns, String bColumns) {
    return """
        datasets:
          a: {source: a, key: [id], columns: {id: {type: int, nullable: false}, %s}}
          b: {source: b, key: [id], history: scd2, columns: {id: {type: int, nullable: false}, %s}}
        models:
          m: {sql: m.sql}
          k:
            sql: k.sql
            incremental: {changes_of: transformed.a, key: id}
        """
        .formatted(aColumns, bColumns);
  }

  private String rest = rest("x: int", "v: string");
  private final Map<String, String> sql =
      new java.util.HashMap<>(
          Map.of(
              "m.sql",
              "SELECT a.id, a.x, b.v FROM transformed.a a JOIN transformed.b b ON a.id = b.id",
              "k.sql",
              "SELECT id, x * 2 AS y FROM transformed.a"));
  private int runs;
  private final SoftAssertions agreement = new SoftAssertions();

  /** A pipeline of the definition as it is now, for run {@code runs}, with {@code options}. */
  private Pipeline pipeline(UnaryOperator<Pipeline.Builder> options) {
    return options.apply(builder(SOURCES, rest, "r" + runs, sql)).build();
  }

  private static String outcome(Planned p) {
    return p.stage() + " " + p.table() + " " + p.action();
  }

  /** {@code stage table action}: what the run did, in plan's words. */
  private static String outcome(TableResult r) {
    return r.stage() + " " + r.table() + " " + r.action();
  }

  /**
   * Plans, then runs, with the same options; asserts every table's run did what the plan said.
   * Returns the plan, by table.
   */
  private Map<String, Planned> planThenRun(UnaryOperator<Pipeline.Builder> options) {
    runs++;
    List<Planned> plan = pipeline(options).plan(rawRoot());
    List<TableResult> results = pipeline(options).run(rawRoot());
    List<String> said = plan.stream().map(PlanRunAgreementTest::outcome).sorted().toList();
    List<String> done = results.stream().map(PlanRunAgreementTest::outcome).sorted().toList();
    agreement.assertThat(done).as("run %d, planned as %s", runs, plan).isEqualTo(said);
    Map<String, Planned> byTable = new LinkedHashMap<>();
    plan.forEach(p -> byTable.put(p.table().toString(), p));
    return byTable;
  }

  private static List<Planned.Action> actions(Map<String, Planned> plan, String... tables) {
    List<Planned.Action> out = new ArrayList<>();
    for (String t : tables) {
      out.add(plan.get(t).action());
    }
    return out;
  }

  @Test
  void everyTableDoesWhatThePlanSaidOverASequenceOfLakeStates() throws Exception {
    write("files/a/1.csv", "id,x\n1,10\n2,20\n");
    write("files/b/1.csv", "id,v\n1,one\n2,two\n");
    String[] all = {
      "consolidated.a",
      "consolidated.b",
      "transformed.a",
      "transformed.b",
      "transformed.b_history",
      "curated.m",
      "curated.k"
    };

    // A first run: everything is made.
    assertThat(actions(planThenRun(p -> p), all))
        .containsExactly(
            Planned.Action.INGEST,
            Planned.Action.INGEST,
            Planned.Action.REBUILD,
            Planned.Action.REBUILD,
            Planned.Action.REBUILD,
            Planned.Action.REBUILD,
            Planned.Action.REBUILD);

    // Nothing new.
    assertThat(actions(planThenRun(p -> p), all)).containsOnly(Planned.Action.UP_TO_DATE);

    // A new file for a; b's file delivered again, unchanged (a new time, the same bytes).
    write("files/a/2.csv", "id,x\n2,21\n3,30\n");
    Files.setLastModifiedTime(
        raw.resolve("files/b/1.csv"), FileTime.from(Instant.now().plusSeconds(60)));
    assertThat(actions(planThenRun(p -> p), all))
        .containsExactly(
            Planned.Action.INGEST,
            Planned.Action.UP_TO_DATE,
            Planned.Action.MERGE,
            Planned.Action.UP_TO_DATE,
            Planned.Action.UP_TO_DATE,
            Planned.Action.RECOMPUTE, // m: its id keys its rows by a's id, found in its SQL
            Planned.Action.RECOMPUTE);

    // A new file for a of a row a has, as it is, and a row that does not conform (quarantined).
    write("files/a/3.csv", "id,x\n1,10\n4,four\n");
    assertThat(actions(planThenRun(p -> p), "consolidated.a", "transformed.a"))
        .containsExactly(Planned.Action.INGEST, Planned.Action.MERGE);

    // A changed definition: a and b declare a column more, m's SQL changes; a has a new file too.
    rest = rest("x: int, z: string", "v: string, w: string");
    write("files/a/4.csv", "id,x,z\n7,70,seven\n");
    sql.put(
        "m.sql",
        "SELECT a.id, a.x, b.v, b.w FROM transformed.a a JOIN transformed.b b ON a.id = b.id");
    assertThat(
            actions(
                planThenRun(p -> p), "transformed.a", "transformed.b", "curated.m", "curated.k"))
        .containsExactly(
            Planned.Action.REBUILD,
            Planned.Action.REBUILD,
            Planned.Action.REBUILD,
            Planned.Action.RECOMPUTE);

    // --reingest a.
    assertThat(
            actions(planThenRun(p -> p.reingest(List.of("a"))), "consolidated.a", "transformed.a"))
        .containsExactly(Planned.Action.REINGEST, Planned.Action.REBUILD);

    // A selection: b and what reads it, with new files for both sources.
    write("files/a/5.csv", "id,x\n5,50\n");
    write("files/b/2.csv", "id,v,w\n3,three,3\n");
    assertThat(
            actions(
                planThenRun(p -> p.select(selectionOf(), chosen(List.of("consolidated.b+")))), all))
        .containsExactly(
            Planned.Action.NOT_SELECTED,
            Planned.Action.INGEST,
            Planned.Action.NOT_SELECTED,
            Planned.Action.MERGE,
            Planned.Action.MERGE,
            Planned.Action.RECOMPUTE, // m: the ids b's new rows carry
            Planned.Action.NOT_SELECTED);

    // --full-refresh.
    assertThat(actions(planThenRun(p -> p.fullRefresh(true)), "transformed.a", "curated.m"))
        .containsExactly(Planned.Action.REBUILD, Planned.Action.REBUILD);

    // A run that failed half way: a's rows committed, its batch not closed.
    write("files/a/6.csv", "id,x\n6,60\n");
    runs++;
    IngestHooks crash =
        point -> {
          if (point.equals(IngestHooks.WRITTEN)) {
            throw new IllegalStateException("stopped at " + point);
          }
        };
    assertThatThrownBy(() -> pipeline(p -> p.hooks(crash)).run(rawRoot()))
        .hasMessageContaining("stopped at ingest:written");
    assertThat(actions(planThenRun(p -> p), "consolidated.a", "transformed.a", "curated.k"))
        .containsExactly(Planned.Action.RESUME, Planned.Action.MERGE, Planned.Action.RECOMPUTE);
    agreement.assertAll();
  }

  private PipelineDefinition definitionNow() {
    return definition(SOURCES, rest, sql);
  }

  private Selection selectionOf() {
    return Selection.of(spark, definitionNow());
  }

  private java.util.Set<String> chosen(List<String> select) {
    return selectionOf().choose(select, List.of());
  }
}
