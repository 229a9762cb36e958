package dev.dpf.core.api;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.spark.SparkThrowable;
import org.apache.spark.sql.AnalysisException;

/**
 * Tells a failure that a user's SQL or data caused (a model's or an analyst's query that Spark
 * could not analyze, an expression that raised an error while it ran: {@code raise_error}, a
 * division by zero or a cast that fails with ANSI on) from any other, and says it in one line: the
 * cause's own message, not the wrappers Spark puts around a failed task.
 *
 * <p>No argument may be null.
 */
public final class SqlErrors {
  private static final String EXPRESSIONS = "org.apache.spark.sql.catalyst.expressions.";

  private SqlErrors() {}

  /**
   * The one-line message of a failure the user's SQL or data caused; empty for any other failure (a
   * defect, the machine, the file system), which deserves its stack trace.
   */
  public static Optional<String> userMessage(Throwable failure) {
    List<Throwable> chain = chain(failure);
    for (Throwable t : chain) {
      if (t instanceof AnalysisException) {
        return Optional.of(firstLine(t));
      }
    }
    Throwable root = chain.get(chain.size() - 1);
    if (root instanceof SparkThrowable s
        && s.getErrorClass() != null
        && !s.getErrorClass().startsWith("INTERNAL_ERROR")) {
      return Optional.of(firstLine(root));
    }
    StackTraceElement[] at = root.getStackTrace();
    if (at.length > 0 && at[0].getClassName().startsWith(EXPRESSIONS)) {
      return Optional.of(firstLine(root)); // an expression of the query threw it as it ran
    }
    return Optional.empty();
  }

  /**
   * The first non-blank line of the failure's message (with the line after it when it ends in a
   * colon: the values it announces), else the failure's class.
   */
  public static String firstLine(Throwable failure) {
    String m = failure.getMessage();
    List<String> lines =
        m == null ? List.of() : m.lines().filter(l -> !l.isBlank()).map(String::strip).toList();
    if (lines.isEmpty()) {
      return failure.toString();
    }
    String first = lines.get(0);
    return first.endsWith(":") && lines.size() > 1 ? first + " " + lines.get(1) : first;
  }

  /** The failure and its causes, outermost first (a cause seen twice ends the chain). */
  private static List<Throwable> chain(Throwable failure) {
    List<Throwable> out = new ArrayList<>();
    Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    for (Throwable t = failure; t != null && seen.add(t); t = t.getCause()) {
      out.add(t);
    }
    return out;
  }
}
