package dev.dpf.jobs.query;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jline.terminal.Terminal;
import org.jline.terminal.impl.DumbTerminal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShellTest {
  @Test
  void runsMultiLineStatementsReportsErrorsAndQuits() throws Exception {
    StringWriter out = new StringWriter();
    String input =
        "select 1 as a;\nselect\n  'x' as b\n;\nselect * from nowhere.t;\n\nquit\nselect 3;\n";

    int code =
        Shell.run(
            LakeSqlTest.readOnly(),
            SqlOutput.Format.CSV,
            100,
            Shell.plain(new BufferedReader(new StringReader(input)), new PrintWriter(out)),
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

  @Test
  void onATerminalStatementsGoToTheHistoryFile(@TempDir Path dir) throws Exception {
    Path history = dir.resolve("history");
    ByteArrayInputStream keys =
        new ByteArrayInputStream(
            "select 1 as a;\nselect\n  'x' as b;\nquit\n".getBytes(StandardCharsets.UTF_8));
    StringWriter out = new StringWriter();
    try (Terminal terminal =
        new DumbTerminal(
            "test",
            Terminal.TYPE_DUMB,
            keys,
            new ByteArrayOutputStream(),
            StandardCharsets.UTF_8)) {
      Shell.run(
          LakeSqlTest.readOnly(),
          SqlOutput.Format.CSV,
          100,
          Shell.terminal(terminal, history),
          new PrintWriter(out));
    }

    assertThat(out.toString()).contains("a\n1\n", "b\nx\n");
    // jline's file format: one "<epoch millis>:<line>" entry per line typed.
    assertThat(Files.readAllLines(history).stream().map(l -> l.substring(l.indexOf(':') + 1)))
        .containsExactly("select 1 as a;", "select", "'x' as b;", "quit"); // stored trimmed
  }
}
