package dev.dpf.jobs.cli;

import dev.dpf.core.DpfException;
import dev.dpf.jobs.aws.Dms;
import dev.dpf.jobs.aws.Produce;
import dev.dpf.jobs.aws.Upload;
import dev.dpf.jobs.extract.Extract;
import dev.dpf.jobs.run.Exit;
import dev.dpf.jobs.run.Sessions;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code dpf} command line: runs the pipeline locally and lets analysts query the lake. */
@Command(
    name = "dpf",
    mixinStandardHelpOptions = true,
    version = "dpf 0.1.0",
    description =
        "Data Pipeline Foundations: raw -> consolidated -> transformed -> curated Delta tables.",
    subcommands = {
      InitCommand.class,
      ValidateCommand.class,
      RunCommand.class,
      PlanCommand.class,
      IngestCommand.class,
      TransformCommand.class,
      CurateCommand.class,
      QuarantineCommand.class,
      SqlCommand.class,
      TablesCommand.class,
      DescribeCommand.class,
      DocsCommand.class,
      ServeCommand.class,
      GenerateCommand.class,
      Produce.class,
      Upload.class,
      Dms.class,
      Extract.class
    })
public final class Dpf implements Runnable {
  /** Exit code for a failure the user can fix (bad definition, missing input, bad query). */
  public static final int EXIT_USER_ERROR = Exit.USER_ERROR;

  /** Exit code for an unexpected failure. */
  public static final int EXIT_INTERNAL_ERROR = Exit.INTERNAL_ERROR;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(execute(args, System.out, System.err));
  }

  /** Runs the command line, printing to {@code out} and {@code err}; returns the exit code. */
  public static int execute(String[] args, PrintStream out, PrintStream err) {
    CommandLine cli = new CommandLine(new Dpf()).setCaseInsensitiveEnumValuesAllowed(true);
    cli.setOut(new PrintWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), true));
    cli.setErr(new PrintWriter(new OutputStreamWriter(err, StandardCharsets.UTF_8), true));
    cli.setExecutionExceptionHandler(
        (e, cmd, parsed) -> {
          Throwable user = userError(e);
          if (user != null) {
            err.println("dpf: " + user.getMessage());
            if (org.apache.logging.log4j.LogManager.getLogger("dev.dpf").isDebugEnabled()) {
              e.printStackTrace(err); // --log-level debug: where it came from
            }
            return EXIT_USER_ERROR;
          }
          err.println("dpf: unexpected error: " + e);
          e.printStackTrace(err);
          return EXIT_INTERNAL_ERROR;
        });
    Sessions.noticesTo(cli.getErr());
    try {
      return cli.execute(args);
    } finally {
      Sessions.stop();
    }
  }

  private static Throwable userError(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof DpfException || t instanceof org.apache.spark.sql.AnalysisException) {
        return t;
      }
    }
    var sql = dev.dpf.core.api.SqlErrors.userMessage(e);
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

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
