package dev.dpf.jobs.aws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dpf.core.DpfException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.databasemigration.DatabaseMigrationClient;
import software.amazon.awssdk.services.databasemigration.model.Filter;
import software.amazon.awssdk.services.databasemigration.model.InvalidResourceStateException;
import software.amazon.awssdk.services.databasemigration.model.ReplicationTask;
import software.amazon.awssdk.services.databasemigration.model.ReplicationTaskStats;
import software.amazon.awssdk.services.databasemigration.model.ResourceNotFoundException;
import software.amazon.awssdk.services.databasemigration.model.StartReplicationTaskTypeValue;
import software.amazon.awssdk.services.databasemigration.model.TableStatistics;

/** {@code dpf dms start|status}: run and follow the DMS task that copies MySQL to the raw zone. */
@Command(
    name = "dms",
    mixinStandardHelpOptions = true,
    description = "Start and follow the AWS DMS replication task, with its table statistics.",
    subcommands = {Dms.Start.class, Dms.Status.class})
public final class Dms implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /**
   * Which task: an ARN, or the DataIngestion stack's output in a {@code cdk deploy} outputs file.
   */
  static final class TaskOptions {
    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    static final class Source {
      @Option(
          names = "--task",
          paramLabel = "ARN",
          description = "The replication task's ARN (arn:aws:dms:REGION:ACCOUNT:task:ID).")
      String arn;

      @Option(
          names = "--outputs",
          paramLabel = "FILE",
          description =
              "Read the ARN from the stack outputs that `cdk deploy --outputs-file FILE` wrote"
                  + " (output DmsTaskArn).")
      Path outputs;
    }

    @Option(
        names = "--output",
        paramLabel = "NAME",
        defaultValue = "DmsTaskArn",
        description =
            "The output to read with --outputs: DmsTaskArn, or DmsTaskArn1, DmsTaskArn2, ... when"
                + " the stack has several tasks (default: ${DEFAULT-VALUE}).")
    String output;

    String arn() {
      String arn = source.arn != null ? source.arn : fromOutputs(source.outputs, output);
      if (!arn.matches("arn:[^:]+:dms:[^:]+:[^:]*:task:.+")) {
        throw new DpfException(
            "'" + arn + "' is not a DMS task ARN (arn:aws:dms:REGION:ACCOUNT:task:ID)");
      }
      return arn;
    }
  }

  /** The value of output {@code name} in a {@code cdk deploy --outputs-file} file. */
  static String fromOutputs(Path file, String name) {
    JsonNode stacks;
    try {
      stacks = new ObjectMapper().readTree(file.toFile());
    } catch (IOException e) {
      throw new DpfException("Cannot read the stack outputs " + file + ": " + e.getMessage(), e);
    }
    List<String> found = new ArrayList<>();
    List<String> values = new ArrayList<>();
    stacks
        .fields()
        .forEachRemaining(
            stack ->
                stack
                    .getValue()
                    .fields()
                    .forEachRemaining(
                        o -> {
                          if (o.getKey().startsWith("DmsTaskArn")) {
                            found.add(stack.getKey() + "." + o.getKey());
                          }
                          if (o.getKey().equals(name)) {
                            values.add(o.getValue().asText());
                          }
                        }));
    if (values.size() != 1) {
      throw new DpfException(
          file
              + (values.isEmpty() ? " has no output " : " has several outputs ")
              + name
              + (found.isEmpty()
                  ? ""
                  : " (DMS task outputs there: " + String.join(", ", found) + ")")
              + ". Pass --output NAME or --task ARN");
    }
    return values.get(0);
  }

  /** What both subcommands share: the task, the client, and printing. */
  abstract static class TaskCommand implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;
    @Mixin TaskOptions task;
    @Mixin Aws.Options aws;

    DatabaseMigrationClient client;
    String arn;
    PrintWriter out;

    @Override
    public Integer call() throws InterruptedException {
      arn = task.arn();
      if (aws.region == null) {
        aws.region = arn.split(":")[3];
      }
      client = Aws.client(DatabaseMigrationClient.builder(), aws);
      out = spec.commandLine().getOut();
      try {
        return run();
      } finally {
        out.flush();
        client.close();
      }
    }

    abstract int run() throws InterruptedException;

    ReplicationTask describe() {
      List<ReplicationTask> tasks;
      try {
        tasks =
            client
                .describeReplicationTasks(
                    b ->
                        b.filters(Filter.builder().name("replication-task-arn").values(arn).build())
                            .withoutSettings(true))
                .replicationTasks();
      } catch (ResourceNotFoundException e) {
        tasks = List.of();
      } catch (SdkException e) {
        throw new DpfException("Cannot read DMS task " + arn + ": " + Aws.reason(e), e);
      }
      if (tasks.isEmpty()) {
        throw new DpfException(
            "DMS task "
                + arn
                + " does not exist in "
                + (aws.endpoint != null ? aws.endpoint : "region " + aws.region)
                + ". Check --task (the DataIngestion stack's output DmsTaskArn names it)");
      }
      return tasks.get(0);
    }

    /** One line: status, full-load progress and table counts. */
    static String line(ReplicationTask t) {
      StringBuilder s = new StringBuilder("dms: ").append(t.replicationTaskIdentifier());
      s.append(" ").append(t.status());
      ReplicationTaskStats stats = t.replicationTaskStats();
      if (stats != null) {
        s.append(String.format(", full load %d%%", nz(stats.fullLoadProgressPercent())));
        s.append(
            String.format(
                " (tables: %d loaded, %d loading, %d queued, %d errored)",
                nz(stats.tablesLoaded()),
                nz(stats.tablesLoading()),
                nz(stats.tablesQueued()),
                nz(stats.tablesErrored())));
      }
      if (t.stopReason() != null) {
        s.append("; stop reason: ").append(t.stopReason());
      }
      if (t.lastFailureMessage() != null) {
        s.append("; last failure: ").append(t.lastFailureMessage());
      }
      return s.toString();
    }

    private static int nz(Integer i) {
      return i == null ? 0 : i;
    }

    private static long nz(Long l) {
      return l == null ? 0 : l;
    }

    /** Prints the task's table statistics; returns how many tables are in error. */
    int printTables() {
      List<TableStatistics> tables = new ArrayList<>();
      try {
        client
            .describeTableStatisticsPaginator(b -> b.replicationTaskArn(arn))
            .forEach(page -> tables.addAll(page.tableStatistics()));
      } catch (SdkException e) {
        throw new DpfException(
            "Cannot read the table statistics of " + arn + ": " + Aws.reason(e), e);
      }
      out.printf(
          "%-36s %-22s %10s %9s %9s %9s %6s %8s%n",
          "table", "state", "full load", "inserts", "updates", "deletes", "ddls", "errors");
      int errored = 0;
      for (TableStatistics t : tables) {
        String state = Objects.toString(t.tableState(), "");
        if (state.toLowerCase(Locale.ROOT).contains("error")) {
          errored++;
        }
        out.printf(
            "%-36s %-22s %,10d %,9d %,9d %,9d %,6d %,8d%n",
            t.schemaName() + "." + t.tableName(),
            state,
            nz(t.fullLoadRows()),
            nz(t.inserts()),
            nz(t.updates()),
            nz(t.deletes()),
            nz(t.ddls()),
            nz(t.fullLoadErrorRows()));
      }
      out.printf("dms: %d table(s)%n", tables.size());
      return errored;
    }

    int finish(ReplicationTask t) {
      int errored = printTables();
      if ("failed".equals(t.status())) {
        throw new DpfException(
            "DMS task "
                + t.replicationTaskIdentifier()
                + " failed: "
                + Objects.toString(t.lastFailureMessage(), "no message"));
      }
      if (errored > 0) {
        throw new DpfException(errored + " table(s) are in error: see the DMS task's logs");
      }
      return 0;
    }
  }

  @Command(
      name = "start",
      mixinStandardHelpOptions = true,
      description = {
        "Start the replication task; with --wait, follow it until the full load is done (the task"
            + " then goes on with ongoing changes) or it stops, and print its table statistics."
      })
  static final class Start extends TaskCommand {
    @Option(
        names = "--type",
        paramLabel = "TYPE",
        description =
            "start-replication (a new task), resume-processing or reload-target (default:"
                + " start-replication for a task that never ran, else resume-processing).")
    String type;

    @Option(names = "--wait", description = "Follow the task (see above).")
    boolean await;

    @Option(
        names = "--poll-seconds",
        defaultValue = "15",
        description = "Seconds between status checks with --wait (default: ${DEFAULT-VALUE}).")
    double pollSeconds;

    @Option(
        names = "--timeout-minutes",
        defaultValue = "180",
        description = "Stop waiting after this long; the task goes on (default: ${DEFAULT-VALUE}).")
    double timeoutMinutes;

    @Override
    int run() throws InterruptedException {
      if (pollSeconds < 0 || timeoutMinutes <= 0) {
        throw new DpfException("--poll-seconds must be 0 or more and --timeout-minutes positive");
      }
      ReplicationTask before = describe();
      StartReplicationTaskTypeValue startType = startType(before);
      try {
        client.startReplicationTask(
            b -> b.replicationTaskArn(arn).startReplicationTaskType(startType));
      } catch (InvalidResourceStateException e) {
        throw new DpfException(
            "DMS did not start task "
                + before.replicationTaskIdentifier()
                + " ("
                + before.status()
                + "): "
                + Aws.reason(e)
                + ". A task that ran before takes --type resume-processing or reload-target",
            e);
      } catch (SdkException e) {
        throw new DpfException("Cannot start DMS task " + arn + ": " + Aws.reason(e), e);
      }
      out.printf(
          "dms: %s started (%s), was %s%n",
          before.replicationTaskIdentifier(), startType, before.status());
      out.flush();
      if (!await) {
        return 0;
      }
      long deadline = System.nanoTime() + (long) (timeoutMinutes * 60e9);
      String last = null;
      while (true) {
        Thread.sleep((long) (pollSeconds * 1000));
        ReplicationTask t = describe();
        String line = line(t);
        if (!line.equals(last)) {
          out.println(line);
          out.flush();
          last = line;
        }
        if (settled(t)) {
          return finish(t);
        }
        if (System.nanoTime() > deadline) {
          printTables();
          throw new DpfException(
              "Task "
                  + t.replicationTaskIdentifier()
                  + " is still "
                  + t.status()
                  + " after "
                  + timeoutMinutes
                  + " minutes; it goes on: follow it with dpf dms status");
        }
      }
    }

    private StartReplicationTaskTypeValue startType(ReplicationTask t) {
      if (type == null) {
        return "ready".equals(t.status())
            ? StartReplicationTaskTypeValue.START_REPLICATION
            : StartReplicationTaskTypeValue.RESUME_PROCESSING;
      }
      StartReplicationTaskTypeValue v = StartReplicationTaskTypeValue.fromValue(type);
      if (v == null || v == StartReplicationTaskTypeValue.UNKNOWN_TO_SDK_VERSION) {
        throw new DpfException(
            "--type must be start-replication, resume-processing or reload-target, got '"
                + type
                + "'");
      }
      return v;
    }

    /**
     * Whether waiting is over: the task stopped or failed, or it runs with its full load done (a
     * full-load-and-cdc task then keeps applying changes).
     */
    static boolean settled(ReplicationTask t) {
      String status = t.status();
      if ("stopped".equals(status) || "failed".equals(status)) {
        return true;
      }
      ReplicationTaskStats s = t.replicationTaskStats();
      return "running".equals(status)
          && s != null
          && s.fullLoadProgressPercent() != null
          && s.fullLoadProgressPercent() == 100
          && Objects.equals(s.tablesLoading(), 0)
          && Objects.equals(s.tablesQueued(), 0);
    }
  }

  @Command(
      name = "status",
      mixinStandardHelpOptions = true,
      description = "Print the task's status and its table statistics.")
  static final class Status extends TaskCommand {
    @Override
    int run() {
      ReplicationTask t = describe();
      out.println(line(t));
      return finish(t);
    }
  }
}
