package dev.dpf.jobs;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import org.apache.spark.sql.SparkSession;

/**
 * The interactive SQL prompt: statements end with ';' and may span lines; 'quit' or end of input
 * leaves.
 */
final class Shell {
  private Shell() {}

  static int run(
      SparkSession spark, SqlOutput.Format format, int maxRows, BufferedReader in, PrintWriter out)
      throws IOException {
    out.println(
        "dpf sql: end statements with ';'. Tables: SHOW TABLES IN curated. Leave with quit or Ctrl-D.");
    StringBuilder statement = new StringBuilder();
    while (true) {
      out.print(statement.length() == 0 ? "dpf> " : "  -> ");
      out.flush();
      String line = in.readLine();
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
        out.print(SqlOutput.render(spark.sql(sql), format, maxRows));
      } catch (Exception e) {
        out.println("error: " + firstLine(e.getMessage()));
      }
    }
    out.flush();
    return 0;
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "(no message)";
    }
    return message.lines().filter(l -> !l.isBlank()).findFirst().orElse("(no message)").strip();
  }
}
