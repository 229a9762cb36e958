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
      RunsCommand.class,
      DiffCommand.class,
      RestoreCommand.class,
      EraseCommand.class,
      MaintainCommand.class,
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
          DpfException user = Exit.userError(e);
          if (user != null) {
            err.println("dpf: " + user.getMessage());
            if (org.apache.logging.log4j.LogManager.getLogger("dev.dpf").isDebugEnabled()) {
              e.printStackTrace(err); // --log-level debug: where it came from
            }
            return Exit.code(user.kind());
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

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
