package dev.dpf.core.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dpf.core.testing.SparkExtension;
import dev.dpf.definition.Definitions;
import dev.dpf.definition.PipelineDefinition;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The definition's one table graph: its tables, and each edge with why, read off by hand. */
class LineageGraphTest {
  @Test
  void theGraphHasEveryTableAndEdgeWithItsKindInDefinitionOrder() {
    PipelineDefinition d =
        Definitions.parse(
            "g.yaml",
            """
            sources:
              s: {kind: csv-files, path: files/s}
              t: {kind: csv-files, path: files/t}
            datasets:
              c: {source: t, key: [id], columns: {id: int}}
              p:
                source: s
                key: [id]
                history: scd2
                columns: {id: int, c_id: int}
                quality: [{rule: references, column: c_id, to: c.id, action: warn}]
            models:
              m: {sql: m.sql}
              n: {sql: n.sql}
            """,
            Map.of(
                    "m.sql",
                    "SELECT p.id FROM transformed.p p JOIN transformed.p_history h ON p.id = h.id",
                    "n.sql",
                    "SELECT * FROM curated.m UNION ALL SELECT id FROM consolidated.t")
                ::get);

    LineageGraph g = LineageGraph.of(SparkExtension.session(), d);

    assertThat(g.tables())
        .containsExactly(
            "consolidated.s",
            "consolidated.t",
            "transformed.c",
            "transformed.p",
            "transformed.p_history",
            "curated.m",
            "curated.n");
    assertThat(g.edges())
        .extracting(e -> e.from() + " -> " + e.to() + " " + e.kind())
        .containsExactly(
            "consolidated.t -> transformed.c SOURCE",
            "consolidated.s -> transformed.p SOURCE",
            "transformed.c -> transformed.p REFERENCES",
            "transformed.p -> transformed.p_history HISTORY",
            "transformed.p -> curated.m MODEL_INPUT",
            "transformed.p_history -> curated.m MODEL_INPUT",
            "consolidated.t -> curated.n MODEL_INPUT",
            "curated.m -> curated.n MODEL_INPUT");
    assertThat(g.inputs("transformed.p")).containsExactly("consolidated.s", "transformed.c");
    assertThat(g.inputs("transformed.p", LineageGraph.Kind.REFERENCES))
        .containsExactly("transformed.c");
    assertThat(g.outputs("transformed.p")).containsExactly("transformed.p_history", "curated.m");
    assertThat(g.outputs("consolidated.t")).containsExactly("transformed.c", "curated.n");
    assertThat(g.outputs("transformed.c")).containsExactly("transformed.p");
    assertThat(g.historyOf("transformed.p")).contains("transformed.p_history");
    assertThat(g.historyOf("transformed.c")).isEmpty();
    // A model's inputs in name order, as ModelSql gives them.
    assertThat(g.inputs("curated.n")).containsExactly("consolidated.t", "curated.m");

    // Selection reads the same graph: a history table stands for its dataset.
    Selection selection = Selection.of(g, d);
    assertThat(selection.inputs("curated.m")).containsExactly("transformed.p");
    assertThat(selection.inputs("transformed.p_history"))
        .containsExactly("consolidated.s", "transformed.c");
  }
}
