package dev.dpf.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dpf.core.testing.SparkExtension;
import java.io.BufferedReader;
import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class ShellTest {
  @Test
  void runsMultiLineStatementsReportsErrorsAndQuits() throws Exception {
    StringWriter out = new StringWriter();
    String input =
        "select 1 as a;\nselect\n  'x' as b\n;\nselect * from nowhere.t;\n\nquit\nselect 3;\n";

    int code =
        Shell.run(
            SparkExtension.session(),
            SqlOutput.Format.CSV,
            100,
            new BufferedReader(new StringReader(input)),
            new PrintWriter(out));

    assertThat(code).isZero();
    assertThat(out.toString())
        .isEqualTo(
            "dpf sql: end statements with ';'. Tables: SHOW TABLES IN curated. Leave with quit or Ctrl-D.\n"
                + "dpf> a\n1\n"
                + "dpf>   ->   -> b\nx\n"
                + "dpf> error: [TABLE_OR_VIEW_NOT_FOUND] The table or view `nowhere`.`t` cannot be found. Verify the"
                + " spelling and correctness of the schema and catalog.\n"
                + "dpf> dpf> ");
  }
}
