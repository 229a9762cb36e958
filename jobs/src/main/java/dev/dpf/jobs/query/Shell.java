package dev.dpf.jobs.query;

import dev.dpf.core.api.SqlErrors;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;

/**
 * The interactive SQL prompt: statements end with ';' and may span lines; 'quit' or end of input
 * leaves. On a terminal, lines can be edited and earlier ones recalled (arrow keys, Ctrl-R), and
 * they are kept in a history file across sessions.
 */
public final class Shell {
  private Shell() {}

  /** Where the prompt reads its lines from. */
  interface Input {
    /** The next line, after showing {@code prompt}; null at the end of input. */
    String readLine(String prompt) throws IOException;
  }

  /** Lines from a reader (a pipe or a file), the prompt printed to {@code out}. */
  static Input plain(BufferedReader in, PrintWriter out) {
    return prompt -> {
      out.print(prompt);
      out.flush();
      return in.readLine();
    };
  }

  /**
   * Lines from a terminal with editing and a history kept in {@code historyFile}. Ctrl-C drops the
   * statement being typed; Ctrl-D leaves.
   */
  public static Input terminal(Terminal terminal, Path historyFile) {
    LineReader reader =
        LineReaderBuilder.builder()
            .terminal(terminal)
            .appName("dpf")
            .variable(LineReader.HISTORY_FILE, historyFile)
            .option(LineReader.Option.DISABLE_EVENT_EXPANSION, true) // '!' is SQL, not history
            .option(LineReader.Option.HISTORY_IGNORE_SPACE, false) // indented lines too
            .build();
    return prompt -> {
      while (true) {
        try {
          return reader.readLine(prompt);
        } catch (UserInterruptException e) {
          return "";
        } catch (EndOfFileException e) {
          return null;
        }
      }
    };
  }

  public static int run(
      LakeSql runner, SqlOutput.Format format, int maxRows, Input in, PrintWriter out)
      throws IOException {
    out.println(
        "dpf sql: end statements with ';'. Tables: SHOW TABLES IN curated. Leave with quit or Ctrl-D.");
    out.flush();
    StringBuilder statement = new StringBuilder();
    while (true) {
      String line = in.readLine(statement.length() == 0 ? "dpf> " : "  -> ");
      if (line == null) {
        out.println();
        break;
      }
      String trimmed = line.strip();
      if (statement.length() == 0 && trimmed.isEmpty()) {
        continue;
      }
      if (statement.length() == 0
          && (trimmed.equalsIgnoreCase("quit") || trimmed.equalsIgnoreCase("exit"))) {
        break;
      }
      statement.append(line).append('\n');
      if (!trimmed.endsWith(";")) {
        continue;
      }
      String sql = statement.toString().strip();
      statement.setLength(0);
      sql = sql.substring(0, sql.length() - 1).strip();
      if (sql.isEmpty()) {
        continue;
      }
      try {
        SqlOutput.Rendered result = SqlOutput.render(runner.sql(sql), format, maxRows);
        out.print(result.text());
        if (result.cut()) {
          out.println(SqlOutput.cutNote(maxRows, 1, 1));
        }
      } catch (Exception e) {
        out.println("error: " + message(e));
      }
      out.flush();
    }
    out.flush();
    return 0;
  }

  /**
   * A failed statement's error in one line: the cause the user's SQL or data raised ({@link
   * SqlErrors#userMessage}) rather than the wrappers of a failed Spark job, else its first line.
   */
  static String message(Throwable e) {
    return SqlErrors.userMessage(e).orElseGet(() -> firstLine(e.getMessage()));
  }

  static String firstLine(String message) {
    if (message == null) {
      return "(no message)";
    }
    return message.lines().filter(l -> !l.isBlank()).findFirst().orElse("(no message)").strip();
  }
}
