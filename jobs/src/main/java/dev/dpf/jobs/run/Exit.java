package dev.dpf.jobs.run;

import dev.dpf.core.DpfException;
import dev.dpf.core.api.SqlErrors;

/**
 * The process exit codes of the CLI and the job mains, and the kind of a failure ({@link
 * DpfException.Kind}) they follow: an unexpected failure exits {@value #INTERNAL_ERROR}, any other
 * {@value #USER_ERROR}.
 */
public final class Exit {
  /** A failure the user can fix (bad definition, missing input, bad query). */
  public static final int USER_ERROR = 1;

  /** An unexpected failure. */
  public static final int INTERNAL_ERROR = 3;

  private Exit() {}

  /** The exit code of a failure of {@code kind}. */
  public static int code(DpfException.Kind kind) {
    return kind == DpfException.Kind.INTERNAL ? INTERNAL_ERROR : USER_ERROR;
  }

  /** The kind of {@code failure}: its {@link #userError}'s, else {@code internal}. */
  public static DpfException.Kind kind(Throwable failure) {
    DpfException user = userError(failure);
    return user == null ? DpfException.Kind.INTERNAL : user.kind();
  }

  /**
   * The failure the user can fix that {@code e} is or was caused by, told in one line: a {@link
   * DpfException}, a query Spark could not analyse, a failure of the user's SQL or data ({@link
   * SqlErrors#userMessage}) or a denied file-system access; null for an unexpected failure.
   */
  public static DpfException userError(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof DpfException d) {
        return d;
      }
      if (t instanceof org.apache.spark.sql.AnalysisException) {
        return new DpfException(t.getMessage(), t);
      }
    }
    var sql = SqlErrors.userMessage(e);
    if (sql.isPresent()) {
      return new DpfException(sql.get(), e);
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      String denied = accessDenied(t);
      if (denied != null) {
        return new DpfException(
            "Access denied: "
                + denied
                + ". Check that this user can write the lake and read the raw zone",
            e);
      }
    }
    return null;
  }

  /**
   * What a file-system error that the user fixes with permissions says (a read-only folder, a
   * denied S3 request), in one line; null for any other error.
   */
  public static String accessDenied(Throwable t) {
    if (t instanceof java.nio.file.AccessDeniedException
        || t instanceof org.apache.hadoop.security.AccessControlException) {
      return firstLine(t.getMessage());
    }
    String m = t instanceof java.io.IOException ? t.getMessage() : null;
    if (m != null
        && (m.contains("Permission denied")
            || m.contains("Operation not permitted")
            || m.contains("Read-only file system"))) {
      return firstLine(m);
    }
    return null;
  }

  private static String firstLine(String message) {
    return message == null ? "" : message.lines().findFirst().orElse("").strip();
  }
}
