package dev.dpf.infra;

import static dev.dpf.infra.Synth.list;
import static dev.dpf.infra.Synth.only;
import static dev.dpf.infra.Synth.render;
import static dev.dpf.infra.Synth.resources;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dpf.definition.Definitions;
import dev.dpf.definition.PipelineDefinition;
import dev.dpf.jobs.run.JobOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/** The DataTransformations stack's jobs, orchestration, catalog, permissions and Athena. */
class DataTransformationsStackTest {
  private final JsonNode t = Synth.defaults().transformationsJson();

  /** The entry class each job must run, by the stage's name in the job's description. */
  private static final Map<String, String> MAIN_CLASSES =
      Map.of(
          "ingest", "dev.dpf.jobs.glue.IngestJob",
          "transform", "dev.dpf.jobs.glue.TransformJob",
          "curate", "dev.dpf.jobs.glue.CurateJob");

  @Test
  void glueJobsRunOurJavaMainsOnGlue5WithDeltaAndTheCatalog() {
    Map<String, JsonNode> jobs = resources(t, "AWS::Glue::Job");
    assertThat(jobs).hasSize(3);
    String artifacts = "<" + bucketId("ArtifactsBucket") + ">";
    for (JsonNode job : jobs.values()) {
      JsonNode p = job.get("Properties");
      String stage = p.get("Description").asText().split(" ")[1];
      assertThat(p.get("GlueVersion").asText()).isEqualTo("5.0");
      assertThat(p.at("/Command/Name").asText()).isEqualTo("glueetl");
      assertThat(render(p.at("/Command/ScriptLocation")))
          .isEqualTo("s3://" + artifacts + "/glue/dpf-job.scala");
      assertThat(p.get("WorkerType").asText()).isEqualTo("G.1X");
      assertThat(p.get("NumberOfWorkers").asInt()).isEqualTo(2);
      assertThat(p.get("Timeout").asInt()).isEqualTo(120);
      assertThat(p.get("MaxRetries").asInt()).isZero();
      assertThat(p.at("/ExecutionProperty/MaxConcurrentRuns").asInt()).isEqualTo(1);
      assertThat(render(p.get("SecurityConfiguration")))
          .isEqualTo("<" + id("AWS::Glue::SecurityConfiguration") + ">");
      Map<String, String> args = arguments(p.get("DefaultArguments"));
      assertThat(args)
          .containsEntry("--class", MAIN_CLASSES.get(stage))
          .containsEntry("--job-language", "scala")
          .containsEntry("--extra-jars", "s3://" + artifacts + "/glue/dpf-jobs.jar")
          .containsEntry("--datalake-formats", "delta")
          .containsEntry(
              "--conf",
              "spark.sql.extensions=io.delta.sql.DeltaSparkSessionExtension --conf"
                  + " spark.sql.catalog.spark_catalog=org.apache.spark.sql.delta.catalog.DeltaCatalog")
          .containsEntry("--enable-glue-datacatalog", "true")
          .containsEntry("--enable-continuous-cloudwatch-log", "true")
          .containsEntry("--enable-metrics", "true")
          .containsEntry("--TempDir", "s3://" + artifacts + "/temp/")
          .containsEntry("--job-bookmark-option", "job-bookmark-disable")
          .containsEntry("--lake", "s3://<" + bucketId("LakeBucket") + ">");
      assertThat(args.get("--raw"))
          .startsWith("s3://<import:DataIngestion:ExportsOutputRefRawBucket");
    }
  }

  @Test
  void theJobsOwnArgumentParserAcceptsWhatGluePasses() {
    for (JsonNode job : resources(t, "AWS::Glue::Job").values()) {
      Map<String, String> args = arguments(job.at("/Properties/DefaultArguments"));
      List<String> argv = new ArrayList<>();
      // What Glue adds to every run, then the job's default arguments.
      argv.addAll(List.of("--JOB_ID", "j_0a1b", "--JOB_RUN_ID", "jr_0a1b", "--JOB_NAME", "dpf"));
      args.forEach((k, v) -> argv.addAll(List.of(k, v)));
      List<String> ignored = new ArrayList<>();
      JobOptions options = JobOptions.fromJobArgs(argv.toArray(String[]::new), ignored::add);
      assertThat(ignored).as("arguments the job would ignore").isEmpty();
      assertThat(options.lake()).isEqualTo(args.get("--lake"));
      assertThat(options.raw()).isEqualTo(args.get("--raw"));
      assertThat(options.definition()).isEqualTo(Optional.empty()); // the one in the jar
    }
  }

  @Test
  void theDeployedJarHoldsEveryEntryClassTheDefinitionAndNothingGlueProvides() throws Exception {
    Path jar = Path.of(System.getProperty("dpf.glue.dir", "target/glue")).resolve("dpf-jobs.jar");
    try (JarFile f = new JarFile(jar.toFile())) {
      for (String main : MAIN_CLASSES.values()) {
        assertThat(f.getEntry(main.replace('.', '/') + ".class")).as(main).isNotNull();
      }
      assertThat(f.getEntry("dpf/pipeline.yaml")).isNotNull();
      assertThat(f.getEntry("dev/dpf/definition/Definitions.class")).isNotNull();
      // Our YAML parser is inside, relocated; Spark, Hadoop, Delta, Scala, Jackson core and the AWS
      // SDK are not: Glue 5.0 provides them.
      assertThat(f.getEntry("dev/dpf/shaded/org/yaml/snakeyaml/Yaml.class")).isNotNull();
      List<String> classes =
          f.stream().map(e -> e.getName()).filter(n -> n.endsWith(".class")).toList();
      assertThat(classes).isNotEmpty().allMatch(n -> n.startsWith("dev/dpf/"));
    }
    JsonNode deployment = only(t, "Custom::CDKBucketDeployment").get("Properties");
    assertThat(render(deployment.get("DestinationBucketName")))
        .isEqualTo("<" + bucketId("ArtifactsBucket") + ">");
    assertThat(deployment.get("DestinationBucketKeyPrefix").asText()).isEqualTo("glue/");
  }

  @Test
  void glueRoleReachesOnlyThePipelinesFoldersTablesAndKeys() {
    String roleId =
        render(resources(t, "AWS::Glue::Job").values().iterator().next().at("/Properties/Role"))
            .replaceAll("<(.*)\\.Arn>", "$1");
    JsonNode role = t.get("Resources").get(roleId).get("Properties");
    assertThat(role.has("ManagedPolicyArns")).isFalse();
    assertThat(render(role.at("/AssumeRolePolicyDocument/Statement/0/Principal/Service")))
        .isEqualTo("glue.amazonaws.com");
    List<String> resourcesGranted = new ArrayList<>();
    for (JsonNode s : Synth.statementsOf(t, roleId)) {
      assertThat(s.get("Effect").asText()).isEqualTo("Allow");
      for (String action : list(s.get("Action"))) {
        assertThat(action).doesNotContain("*");
      }
      for (String r : list(s.get("Resource"))) {
        resourcesGranted.add(r);
        if (r.equals("*")) {
          assertThat(list(s.get("Action"))).containsExactly("cloudwatch:PutMetricData");
          assertThat(s.at("/Condition/StringEquals/cloudwatch:namespace").asText())
              .isEqualTo("Glue");
        }
      }
    }
    String raw = "<import:DataIngestion:ExportsOutputFnGetAttRawBucket";
    // Raw: exactly the definition's source folders, read only.
    assertThat(resourcesGranted.stream().filter(r -> r.startsWith(raw) && r.contains("/")))
        .extracting(r -> r.substring(r.indexOf(">/") + 2))
        .containsExactlyInAnyOrder(
            "streaming/payments/*",
            "dms/classicmodels/customers/*",
            "dms/classicmodels/orders/*",
            "dms/classicmodels/orderdetails/*",
            "dms/classicmodels/products/*",
            "files/transactions/*");
    String lake = "<" + bucketId("LakeBucket") + ".Arn>/";
    assertThat(resourcesGranted.stream().filter(r -> r.startsWith(lake)))
        .extracting(r -> r.substring(lake.length()))
        .containsExactlyInAnyOrder(
            "consolidated/*", "transformed/*", "curated/*", "quarantine/*", "_system/*");
    String glue = "arn:<AWS::Partition>:glue:<AWS::Region>:<AWS::AccountId>:";
    assertThat(resourcesGranted)
        .contains(
            glue + "catalog",
            glue + "database/curated",
            glue + "table/curated/customer_360",
            glue + "table/transformed/customers_history",
            glue + "table/consolidated/orderdetails")
        .doesNotContain(glue + "table/curated/*", glue + "database/*");
  }

  @Test
  void stateMachineRunsTheStagesInOrderWaitsRetriesAndNotifies() throws Exception {
    JsonNode sm = only(t, "AWS::StepFunctions::StateMachine").get("Properties");
    JsonNode def = Synth.JSON.readTree(render(sm.get("DefinitionString")));
    assertThat(def.get("StartAt").asText()).isEqualTo("Ingest");
    assertThat(def.at("/States/Ingest/Next").asText()).isEqualTo("Transform");
    assertThat(def.at("/States/Transform/Next").asText()).isEqualTo("Curate");
    assertThat(def.at("/States/Curate/Next").asText()).isEqualTo("Done");
    assertThat(def.at("/States/Done/Type").asText()).isEqualTo("Succeed");
    for (String stage : List.of("Ingest", "Transform", "Curate")) {
      JsonNode s = def.get("States").get(stage);
      assertThat(s.get("Resource").asText()).endsWith(":states:::glue:startJobRun.sync");
      assertThat(render(s.at("/Parameters/JobName")))
          .isEqualTo("<" + jobId(stage.toLowerCase()) + ">");
      JsonNode retry = s.get("Retry");
      assertThat(retry).hasSize(2);
      assertThat(list(retry.get(0).get("ErrorEquals")))
          .containsExactly(
              "Glue.AWSGlueException",
              "Glue.ConcurrentRunsExceededException",
              "Glue.InternalServiceException",
              "Glue.OperationTimeoutException",
              "Glue.ThrottlingException");
      assertThat(retry.get(0).get("IntervalSeconds").asInt()).isEqualTo(30);
      assertThat(retry.get(0).get("BackoffRate").asInt()).isEqualTo(2);
      assertThat(retry.get(0).get("MaxAttempts").asInt()).isEqualTo(4);
      assertThat(retry.get(0).get("JitterStrategy").asText()).isEqualTo("FULL");
      assertThat(list(retry.get(1).get("ErrorEquals"))).containsExactly("States.TaskFailed");
      assertThat(retry.get(1).get("IntervalSeconds").asInt()).isEqualTo(300);
      assertThat(retry.get(1).get("MaxAttempts").asInt()).isEqualTo(1);
      assertThat(list(s.at("/Catch/0/ErrorEquals"))).containsExactly("States.ALL");
      assertThat(s.at("/Catch/0/Next").asText()).isEqualTo("NotifyFailure");
    }
    JsonNode notify = def.at("/States/NotifyFailure");
    assertThat(notify.get("Resource").asText()).endsWith(":states:::sns:publish");
    assertThat(render(notify.at("/Parameters/TopicArn")))
        .isEqualTo("<" + id("AWS::SNS::Topic") + ">");
    assertThat(notify.get("Next").asText()).isEqualTo("PipelineFailed");
    assertThat(def.at("/States/PipelineFailed/Type").asText()).isEqualTo("Fail");
    assertThat(sm.at("/TracingConfiguration/Enabled").asBoolean()).isTrue();
    assertThat(sm.at("/LoggingConfiguration/Level").asText()).isEqualTo("ALL");
  }

  @Test
  void failedTimedOutAndAbortedRunsAlarmToTheTopic() {
    List<String> metrics = new ArrayList<>();
    for (JsonNode alarm : resources(t, "AWS::CloudWatch::Alarm").values()) {
      JsonNode p = alarm.get("Properties");
      metrics.add(p.get("MetricName").asText());
      assertThat(p.get("Namespace").asText()).isEqualTo("AWS/States");
      assertThat(p.get("Threshold").asInt()).isEqualTo(1);
      assertThat(list(p.get("AlarmActions"))).containsExactly("<" + id("AWS::SNS::Topic") + ">");
    }
    assertThat(metrics)
        .containsExactlyInAnyOrder("ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted");
    JsonNode topic = only(t, "AWS::SNS::Topic").get("Properties");
    assertThat(render(topic.get("KmsMasterKeyId"))).isEqualTo("<" + id("AWS::KMS::Key") + ".Arn>");
  }

  @Test
  void scheduleStartsThePipelineDailyByDefaultAndFollowsContext() {
    JsonNode schedule = only(t, "AWS::Scheduler::Schedule").get("Properties");
    assertThat(schedule.get("ScheduleExpression").asText()).isEqualTo("cron(0 2 * * ? *)");
    assertThat(schedule.get("ScheduleExpressionTimezone").asText()).isEqualTo("UTC");
    assertThat(render(schedule.at("/Target/Arn")))
        .isEqualTo("<" + id("AWS::StepFunctions::StateMachine") + ">");
    JsonNode other =
        Synth.with(
                Map.of(
                    "pipelineSchedule", "cron(30 5 ? * MON-FRI *)",
                    "scheduleTimeZone", "Europe/London",
                    "glueWorkers", "10",
                    "glueWorkerType", "G.2X"))
            .transformationsJson();
    JsonNode s2 = only(other, "AWS::Scheduler::Schedule").get("Properties");
    assertThat(s2.get("ScheduleExpression").asText()).isEqualTo("cron(30 5 ? * MON-FRI *)");
    assertThat(s2.get("ScheduleExpressionTimezone").asText()).isEqualTo("Europe/London");
    for (JsonNode job : resources(other, "AWS::Glue::Job").values()) {
      assertThat(job.at("/Properties/NumberOfWorkers").asInt()).isEqualTo(10);
      assertThat(job.at("/Properties/WorkerType").asText()).isEqualTo("G.2X");
    }
  }

  @Test
  void catalogHasADatabasePerZoneAndADeltaEntryPerTableOfTheDefinition() {
    List<String> databases = new ArrayList<>();
    resources(t, "AWS::Glue::Database")
        .values()
        .forEach(d -> databases.add(d.at("/Properties/DatabaseInput/Name").asText()));
    assertThat(databases)
        .containsExactly("consolidated", "transformed", "curated", "quarantine", "_system");
    Map<String, String> tables = new TreeMap<>();
    Map<String, String> descriptions = new TreeMap<>();
    String lake = "s3://<" + bucketId("LakeBucket") + ">/";
    for (JsonNode table : resources(t, "AWS::Glue::Table").values()) {
      JsonNode p = table.get("Properties");
      JsonNode in = p.get("TableInput");
      String name = p.get("DatabaseName").asText() + "." + in.get("Name").asText();
      String location = render(in.at("/StorageDescriptor/Location"));
      tables.put(name, location);
      assertThat(location).isEqualTo(lake + name.replace('.', '/'));
      assertThat(render(in.at("/StorageDescriptor/SerdeInfo/Parameters/path"))).isEqualTo(location);
      assertThat(in.at("/Parameters/table_type").asText()).isEqualTo("DELTA");
      assertThat(in.at("/Parameters/spark.sql.sources.provider").asText()).isEqualTo("delta");
      assertThat(in.get("TableType").asText()).isEqualTo("EXTERNAL_TABLE");
      descriptions.put(
          name,
          in.get("Description").asText()
              + " | "
              + in.path("Owner").asText("-")
              + " | "
              + in.at("/Parameters/dpf.tags").asText("-"));
    }
    // What src/pipeline.yaml says of its tables for people, as Athena users see it.
    assertThat(descriptions.get("transformed.customers"))
        .isEqualTo(
            "Current customer profiles from the order system (classicmodels.customers) (dpf"
                + " transformed.customers, made by dataset customers) | customer-data |"
                + " customer,pii");
    assertThat(descriptions.get("transformed.customers_history"))
        .isEqualTo(
            "Current customer profiles from the order system (classicmodels.customers) (dpf"
                + " transformed.customers_history, made by history of dataset customers) |"
                + " customer-data | customer,pii");
    assertThat(descriptions.get("curated.risk_flags"))
        .isEqualTo(
            "dpf curated.risk_flags, made by model risk_flags (models/risk_flags.sql) | - |"
                + " analytics");
    assertThat(descriptions.get("consolidated.orders"))
        .isEqualTo("dpf consolidated.orders, made by source orders | - | -");
    // Every table of src/pipeline.yaml (DefinitionsTest pins that list: 20 tables).
    assertThat(tables.keySet())
        .containsExactlyInAnyOrderElementsOf(
            Definitions.load(Synth.INFRA.resolve("../src/pipeline.yaml").normalize())
                .tables()
                .stream()
                .map(PipelineDefinition.Table::qualified)
                .toList())
        .hasSize(20);
  }

  @Test
  void athenaWorkgroupEnforcesEncryptedResultsAndHasAQueryPerCuratedModel() {
    JsonNode wg = only(t, "AWS::Athena::WorkGroup").get("Properties");
    JsonNode c = wg.get("WorkGroupConfiguration");
    assertThat(c.get("EnforceWorkGroupConfiguration").asBoolean()).isTrue();
    assertThat(c.at("/EngineVersion/SelectedEngineVersion").asText())
        .isEqualTo("Athena engine version 3");
    assertThat(c.at("/ResultConfiguration/EncryptionConfiguration/EncryptionOption").asText())
        .isEqualTo("SSE_KMS");
    assertThat(render(c.at("/ResultConfiguration/OutputLocation")))
        .isEqualTo("s3://<" + bucketId("ArtifactsBucket") + ">/athena-results/");
    Map<String, String> queries = new LinkedHashMap<>();
    for (JsonNode q : resources(t, "AWS::Athena::NamedQuery").values()) {
      JsonNode p = q.get("Properties");
      queries.put(p.get("Name").asText(), p.get("QueryString").asText());
      assertThat(p.get("Database").asText()).isEqualTo("curated");
    }
    assertThat(queries)
        .containsExactly(
            Map.entry(
                "curated.customer_data_usa",
                "SELECT * FROM \"curated\".\"customer_data_usa\" LIMIT 100;"),
            Map.entry(
                "curated.transactions", "SELECT * FROM \"curated\".\"transactions\" LIMIT 100;"),
            Map.entry(
                "curated.customer_360", "SELECT * FROM \"curated\".\"customer_360\" LIMIT 100;"),
            Map.entry(
                "curated.daily_payments_by_country",
                "SELECT * FROM \"curated\".\"daily_payments_by_country\" LIMIT 100;"),
            Map.entry("curated.risk_flags", "SELECT * FROM \"curated\".\"risk_flags\" LIMIT 100;"),
            Map.entry(
                "curated.revenue_by_productline_month",
                "SELECT * FROM \"curated\".\"revenue_by_productline_month\" LIMIT 100;"));
  }

  @Test
  void lakeAndArtifactsAreEncryptedWithTheStacksKeyAndLogged() {
    for (String bucket : List.of("LakeBucket", "ArtifactsBucket")) {
      JsonNode p = t.get("Resources").get(bucketId(bucket)).get("Properties");
      JsonNode sse =
          p.at(
              "/BucketEncryption/ServerSideEncryptionConfiguration/0/ServerSideEncryptionByDefault");
      assertThat(sse.get("SSEAlgorithm").asText()).isEqualTo("aws:kms");
      assertThat(render(sse.get("KMSMasterKeyID"))).isEqualTo("<" + id("AWS::KMS::Key") + ".Arn>");
      assertThat(render(p.at("/LoggingConfiguration/DestinationBucketName")))
          .isEqualTo("<" + bucketId("AccessLogs") + ">");
      assertThat(p.at("/PublicAccessBlockConfiguration/RestrictPublicBuckets").asBoolean())
          .isTrue();
    }
  }

  /** A job's DefaultArguments as text. */
  private static Map<String, String> arguments(JsonNode args) {
    Map<String, String> out = new TreeMap<>();
    Iterator<Map.Entry<String, JsonNode>> it = args.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      out.put(e.getKey(), render(e.getValue()));
    }
    return out;
  }

  private String jobId(String stage) {
    return resources(t, "AWS::Glue::Job").entrySet().stream()
        .filter(
            e ->
                e.getValue()
                    .at("/Properties/Description")
                    .asText()
                    .startsWith("dpf " + stage + " "))
        .map(Map.Entry::getKey)
        .findFirst()
        .orElseThrow();
  }

  private String id(String type) {
    return Synth.firstId(t, type);
  }

  private String bucketId(String prefix) {
    return Synth.bucketId(t, prefix);
  }
}
