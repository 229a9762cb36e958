package dev.dpf.jobs.query;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code dpf sql} scripts: how statements are split, and how a script runs and stops. */
class SqlScriptTest {
  private static List<SqlScript.Statement> split(String script) {
    return SqlScript.split(script);
  }

  @Test
  void splitsAtSemicolonsOutsideQuotesAndComments() {
    String script =
        "select 1;\n"
            + "select 'a;b', \"c;d\", `e;f` from t; -- a comment; not a statement\n"
            + "\n"
            + "/* block; comment */ select 'it\\'s;' as x\n"
            + "  ;;  ;\n"
            + "-- only a comment;\n"
            + "select 2 -- the last has no semicolon";

    assertThat(split(script))
        .containsExactly(
            new SqlScript.Statement("select 1", 1),
            new SqlScript.Statement("select 'a;b', \"c;d\", `e;f` from t", 2),
            new SqlScript.Statement(
                "-- a comment; not a statement\n\n/* block; comment */ select 'it\\'s;' as x", 4),
            new SqlScript.Statement(
                "-- only a comment;\nselect 2 -- the last has no semicolon", 7));
  }

  @Test
  void blanksAndCommentsAloneAreNoStatement() {
    assertThat(split("")).isEmpty();
    assertThat(split(" ;\n; -- x;\n/* y; */")).isEmpty();
  }

  @Test
  void runsInOrderAndStopsAtTheFirstFailureWithItsErrorApart() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();

    int code =
        SqlScript.run(
            LakeSqlTest.readOnly(),
            split("select 1 as a;\nselect id from range(5);\n\nselect * from nowhere.t;\nselect 3"),
            SqlOutput.Format.CSV,
            3,
            new PrintWriter(out),
            new PrintWriter(err));

    assertThat(code).isEqualTo(1);
    assertThat(out.toString()).isEqualTo("a\n1\n\nid\n0\n1\n2\n"); // an empty line between
    assertThat(err.toString())
        .isEqualTo(
            "dpf: showing the first 3 row(s) of statement 2's result; it has more (raise"
                + " --max-rows)\n"
                + "dpf: statement 3 of 4 (line 4) failed: [TABLE_OR_VIEW_NOT_FOUND] The table or"
                + " view `nowhere`.`t` cannot be found. Verify the spelling and correctness of the"
                + " schema and catalog.\n");
  }

  @Test
  void jsonKeepsArraysStructsAndMapsAsJsonValues() {
    StringWriter out = new StringWriter();

    int code =
        SqlScript.run(
            LakeSqlTest.readOnly(),
            split(
                "select array(1, 2) a, named_struct('x', 1, 'y', 'z') s, map('k', 1.5D) m,"
                    + " cast(null as array<int>) n,"
                    + " array(named_struct('d', date'2026-01-02', 'v', cast(2.50 as decimal(4,2)))) l,"
                    + " cast('hi' as binary) b"),
            SqlOutput.Format.JSON,
            10,
            new PrintWriter(out),
            new PrintWriter(new StringWriter()));

    assertThat(code).isZero();
    assertThat(out.toString())
        .isEqualTo(
            "{\"a\":[1,2],\"s\":{\"x\":1,\"y\":\"z\"},\"m\":{\"k\":1.5},\"n\":null,"
                + "\"l\":[{\"d\":\"2026-01-02\",\"v\":2.50}],\"b\":\"aGk=\"}\n");
  }

  @Test
  void anErrorTheQueryRaisesIsItsOwnMessageAndACommandPrintsNothing() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();

    int code =
        SqlScript.run(
            LakeSqlTest.readOnly(),
            split(
                "create temporary view v as select 1 as a;\n"
                    + "select a from v;\n"
                    + "select case when a > 0 then raise_error('a is positive') end from v"),
            SqlOutput.Format.TABLE,
            10,
            new PrintWriter(out),
            new PrintWriter(err));

    assertThat(code).isEqualTo(1);
    assertThat(out.toString()).isEqualTo("+---+\n| a |\n+---+\n| 1 |\n+---+\n1 row\n");
    assertThat(err.toString()).isEqualTo("dpf: statement 3 of 3 (line 3) failed: a is positive\n");
  }
}
