package dev.dpf.jobs.aws;

import static dev.dpf.jobs.testing.CliRun.dpf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.dpf.jobs.aws.DmsStub.Reply;
import dev.dpf.jobs.aws.DmsStub.Request;
import dev.dpf.jobs.testing.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code dpf dms} against a loopback stub of the DMS JSON protocol. */
class DmsTest {
  private static final String ARN = "arn:aws:dms:eu-west-1:123456789012:task:ABCDEF";

  @TempDir Path dir;

  @BeforeAll
  static void credentials() {
    System.setProperty("aws.accessKeyId", "test-key");
    System.setProperty("aws.secretAccessKey", "test-secret");
  }

  @AfterAll
  static void clear() {
    System.clearProperty("aws.accessKeyId");
    System.clearProperty("aws.secretAccessKey");
  }

  private static String task(String status, String stats, String extra) {
    return "{\"ReplicationTasks\":[{\"ReplicationTaskIdentifier\":\"dpf-classicmodels\","
        + "\"ReplicationTaskArn\":\""
        + ARN
        + "\",\"Status\":\""
        + status
        + "\",\"MigrationType\":\"full-load-and-cdc\""
        + (stats == null ? "" : ",\"ReplicationTaskStats\":" + stats)
        + extra
        + "}]}";
  }

  private static String stats(int percent, int loaded, int loading, int queued, int errored) {
    return String.format(
        "{\"FullLoadProgressPercent\":%d,\"ElapsedTimeMillis\":1000,\"TablesLoaded\":%d,"
            + "\"TablesLoading\":%d,\"TablesQueued\":%d,\"TablesErrored\":%d}",
        percent, loaded, loading, queued, errored);
  }

  private static final String CUSTOMERS =
      "{\"SchemaName\":\"classicmodels\",\"TableName\":\"customers\",\"Inserts\":3,\"Deletes\":1,"
          + "\"Updates\":2,\"Ddls\":0,\"FullLoadRows\":122,\"FullLoadErrorRows\":0,"
          + "\"TableState\":\"Table completed\",\"LastUpdateTime\":1764140000.0}";
  private static final String ORDERDETAILS =
      "{\"SchemaName\":\"classicmodels\",\"TableName\":\"orderdetails\",\"Inserts\":0,"
          + "\"Deletes\":0,\"Updates\":0,\"Ddls\":0,\"FullLoadRows\":2996,"
          + "\"FullLoadErrorRows\":0,\"TableState\":\"Table completed\"}";

  @Test
  void startWaitsForTheFullLoadAndPrintsTableStatistics() throws Exception {
    Deque<String> states =
        new ArrayDeque<>(
            List.of(
                task("ready", null, ""),
                task("starting", null, ""),
                task("running", stats(40, 1, 1, 2, 0), ""),
                task("running", stats(40, 1, 1, 2, 0), ""),
                task("running", stats(100, 4, 0, 0, 0), "")));
    try (DmsStub dms =
        new DmsStub(
            r ->
                switch (r.operation()) {
                  case "DescribeReplicationTasks" -> Reply.ok(states.pop());
                  case "StartReplicationTask" -> Reply.ok(task("starting", null, ""));
                  case "DescribeTableStatistics" ->
                      r.body().has("Marker")
                          ? Reply.ok("{\"TableStatistics\":[" + ORDERDETAILS + "]}")
                          : Reply.ok(
                              "{\"TableStatistics\":[" + CUSTOMERS + "],\"Marker\":\"page-2\"}");
                  default -> Reply.fault("InvalidParameterValueException", r.operation());
                })) {
      CliRun run =
          dpf(
              "dms",
              "start",
              "--task",
              ARN,
              "--wait",
              "--poll-seconds",
              "0",
              "--endpoint",
              dms.endpoint());
      assertThat(run.err()).isEmpty();
      assertThat(run.code()).isZero();
      assertThat(run.out())
          .isEqualTo(
              String.join(
                  "\n",
                  "dms: dpf-classicmodels started (start-replication), was ready",
                  "dms: dpf-classicmodels starting",
                  "dms: dpf-classicmodels running, full load 40% (tables: 1 loaded, 1 loading,"
                      + " 2 queued, 0 errored)",
                  "dms: dpf-classicmodels running, full load 100% (tables: 4 loaded, 0 loading,"
                      + " 0 queued, 0 errored)",
                  "table                                state                   full load "
                      + "  inserts   updates   deletes   ddls   errors",
                  "classicmodels.customers              Table completed               122 "
                      + "        3         2         1      0        0",
                  "classicmodels.orderdetails           Table completed             2,996 "
                      + "        0         0         0      0        0",
                  "dms: 2 table(s)",
                  ""));
      List<Request> requests = dms.requests();
      assertThat(requests)
          .extracting(Request::operation)
          .containsExactly(
              "DescribeReplicationTasks",
              "StartReplicationTask",
              "DescribeReplicationTasks",
              "DescribeReplicationTasks",
              "DescribeReplicationTasks",
              "DescribeReplicationTasks",
              "DescribeTableStatistics",
              "DescribeTableStatistics");
      assertThat(requests.get(0).body())
          .isEqualTo(
              DmsStub.JSON.readTree(
                  "{\"Filters\":[{\"Name\":\"replication-task-arn\",\"Values\":[\""
                      + ARN
                      + "\"]}],\"WithoutSettings\":true}"));
      assertThat(requests.get(1).body())
          .isEqualTo(
              DmsStub.JSON.readTree(
                  "{\"ReplicationTaskArn\":\""
                      + ARN
                      + "\",\"StartReplicationTaskType\":\"start-replication\"}"));
      assertThat(requests.get(6).body())
          .isEqualTo(DmsStub.JSON.readTree("{\"ReplicationTaskArn\":\"" + ARN + "\"}"));
      assertThat(requests.get(7).body().get("Marker").asText()).isEqualTo("page-2");
    }
  }

  @Test
  void aTaskThatRanBeforeResumesByDefaultAndStatusReportsErroredTables() throws Exception {
    String failedTable = CUSTOMERS.replace("Table completed", "Table error");
    try (DmsStub dms =
        new DmsStub(
            r ->
                switch (r.operation()) {
                  case "DescribeReplicationTasks" ->
                      Reply.ok(
                          task(
                              "stopped",
                              stats(100, 1, 0, 0, 1),
                              ",\"StopReason\":\"Stop Reason NORMAL\""));
                  case "StartReplicationTask" -> Reply.ok(task("starting", null, ""));
                  default -> Reply.ok("{\"TableStatistics\":[" + failedTable + "]}");
                })) {
      CliRun start = dpf("dms", "start", "--task", ARN, "--endpoint", dms.endpoint());
      assertThat(start.code()).isZero();
      assertThat(start.out())
          .isEqualTo("dms: dpf-classicmodels started (resume-processing), was stopped\n");
      assertThat(dms.requests().get(1).body().get("StartReplicationTaskType").asText())
          .isEqualTo("resume-processing");

      CliRun status = dpf("dms", "status", "--task", ARN, "--endpoint", dms.endpoint());
      assertThat(status.code()).isEqualTo(1);
      assertThat(status.out())
          .startsWith(
              "dms: dpf-classicmodels stopped, full load 100% (tables: 1 loaded, 0 loading, 0"
                  + " queued, 1 errored); stop reason: Stop Reason NORMAL\n")
          .contains("classicmodels.customers              Table error ");
      assertThat(status.err()).isEqualTo("dpf: 1 table(s) are in error: see the DMS task's logs\n");
    }
  }

  @Test
  void clearErrorsForAMissingTaskARefusedStartAndBadOutputs() throws Exception {
    try (DmsStub dms =
        new DmsStub(
            r ->
                switch (r.operation()) {
                  case "DescribeReplicationTasks" ->
                      r.body().toString().contains(ARN)
                          ? Reply.ok(task("stopped", null, ""))
                          : Reply.fault("ResourceNotFoundFault", "No replication task found");
                  default ->
                      Reply.fault(
                          "InvalidResourceStateFault",
                          "Start type START_REPLICATION is only allowed for a new task");
                })) {
      String other = ARN.replace("ABCDEF", "GONE");
      CliRun missing = dpf("dms", "status", "--task", other, "--endpoint", dms.endpoint());
      assertThat(missing.code()).isEqualTo(1);
      assertThat(missing.err())
          .isEqualTo(
              "dpf: DMS task "
                  + other
                  + " does not exist in "
                  + dms.endpoint()
                  + ". Check --task (the DataIngestion stack's output DmsTaskArn names it)\n");

      Path outputs = dir.resolve("cdk-outputs.json");
      Files.writeString(
          outputs,
          "{\"DataIngestion\":{\"RawBucketName\":\"raw\",\"DmsTaskArn\":\"" + ARN + "\"}}");
      CliRun refused =
          dpf(
              "dms",
              "start",
              "--outputs",
              outputs.toString(),
              "--type",
              "start-replication",
              "--endpoint",
              dms.endpoint());
      assertThat(refused.code()).isEqualTo(1);
      assertThat(refused.err())
          .isEqualTo(
              "dpf: DMS did not start task dpf-classicmodels (stopped):"
                  + " InvalidResourceStateFault: Start type START_REPLICATION is only allowed for"
                  + " a new task. A task that ran before takes --type resume-processing or"
                  + " reload-target\n");

      CliRun noOutput =
          dpf("dms", "status", "--outputs", outputs.toString(), "--output", "DmsTaskArn2");
      assertThat(noOutput.err())
          .isEqualTo(
              "dpf: "
                  + outputs
                  + " has no output DmsTaskArn2 (DMS task outputs there:"
                  + " DataIngestion.DmsTaskArn). Pass --output NAME or --task ARN\n");
      CliRun badType =
          dpf("dms", "start", "--task", ARN, "--type", "restart", "--endpoint", dms.endpoint());
      assertThat(badType.err())
          .isEqualTo(
              "dpf: --type must be start-replication, resume-processing or reload-target, got"
                  + " 'restart'\n");
      CliRun notArn = dpf("dms", "status", "--task", "my-task");
      assertThat(notArn.err())
          .isEqualTo("dpf: 'my-task' is not a DMS task ARN (arn:aws:dms:REGION:ACCOUNT:task:ID)\n");
    }
  }
}
