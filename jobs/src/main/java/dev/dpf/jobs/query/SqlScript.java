package dev.dpf.jobs.query;

import dev.dpf.jobs.run.Exit;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * SQL statements run as a script ({@code dpf sql -e}, {@code -f}, or piped on standard input): no
 * banner or prompt, each result on standard output, and at the first failing statement its error on
 * standard error and a stop.
 */
public final class SqlScript {
  /** One statement of a script and the line it starts on (1-based). */
  public record Statement(String sql, int line) {}

  private SqlScript() {}

  /**
   * The statements of a script: split at each {@code ;} outside string literals ({@code '...'},
   * {@code "..."}, with backslash escapes), quoted names ({@code `...`}) and comments ({@code --}
   * to the end of the line, {@code /* ... *}{@code /}); statements holding nothing but blanks and
   * comments are dropped.
   */
  public static List<Statement> split(String script) {
    List<Statement> out = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    int line = 1;
    int startLine = 1;
    boolean content = false; // anything but blanks and comments since the last ';'
    char quote = 0; // ', " or ` while inside one
    boolean lineComment = false;
    boolean blockComment = false;
    for (int i = 0; i < script.length(); i++) {
      char c = script.charAt(i);
      char next = i + 1 < script.length() ? script.charAt(i + 1) : 0;
      if (lineComment) {
        lineComment = c != '\n';
      } else if (blockComment) {
        if (c == '*' && next == '/') {
          blockComment = false;
          current.append(c);
          c = next;
          i++;
        }
      } else if (quote != 0) {
        if (c == '\\' && quote != '`' && next != 0) {
          current.append(c);
          c = next;
          i++;
        } else if (c == quote) {
          quote = 0;
        }
      } else if (c == ';') {
        if (content) {
          out.add(new Statement(current.toString().strip(), startLine));
        }
        current.setLength(0);
        content = false;
        continue;
      } else if (c == '-' && next == '-') {
        lineComment = true;
      } else if (c == '/' && next == '*') {
        blockComment = true;
      } else if (!Character.isWhitespace(c)) {
        if (!content) {
          startLine = line;
        }
        content = true;
        if (c == '\'' || c == '"' || c == '`') {
          quote = c;
        }
      }
      current.append(c);
      if (c == '\n') {
        line++;
      }
    }
    if (content) {
      out.add(new Statement(current.toString().strip(), startLine));
    }
    return out;
  }

  /**
   * Runs the statements in order, printing each result to {@code out} (an empty line between two; a
   * command with no result prints nothing); stops at the first that fails, with its error on {@code
   * err}. Returns the exit code: 0, or 1 when a statement failed.
   */
  public static int run(
      LakeSql runner,
      List<Statement> statements,
      SqlOutput.Format format,
      int maxRows,
      PrintWriter out,
      PrintWriter err) {
    int n = 0;
    boolean printed = false;
    for (Statement s : statements) {
      n++;
      SqlOutput.Rendered result;
      try {
        result = SqlOutput.render(runner.sql(s.sql()), format, maxRows);
      } catch (Exception e) {
        out.flush();
        err.println(
            "dpf: statement "
                + n
                + " of "
                + statements.size()
                + " (line "
                + s.line()
                + ") failed: "
                + Shell.message(e));
        err.flush();
        return Exit.USER_ERROR;
      }
      if (!result.text().isEmpty()) {
        // One result from the next: an empty line (in every format: JSON lines too).
        out.print((printed ? "\n" : "") + result.text());
        printed = true;
      }
      out.flush();
      if (result.cut()) {
        err.println(SqlOutput.cutNote(maxRows, n, statements.size()));
        err.flush();
      }
    }
    return 0;
  }
}
