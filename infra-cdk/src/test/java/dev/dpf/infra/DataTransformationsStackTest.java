package dev.dpf.infra;

import static dev.dpf.infra.Synth.getAtt;
import static dev.dpf.infra.Synth.join;
import static dev.dpf.infra.Synth.ref;
import static dev.dpf.infra.Synth.render;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dpf.definition.Definitions;
import dev.dpf.definition.PipelineDefinition;
import dev.dpf.jobs.run.JobOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Capture;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

/** The DataTransformations stack's jobs, orchestration, catalog, permissions and Athena. */
class DataTransformationsStackTest {
  private final Template t = Synth.defaults().transformations();

  /** The entry class each job must run, by the stage's name in the job's description. */
  private static final Map<String, String> MAIN_CLASSES =
      Map.of(
          "ingest", "dev.dpf.jobs.glue.IngestJob",
          "transform", "dev.dpf.jobs.glue.TransformJob",
          "curate", "dev.dpf.jobs.glue.CurateJob",
          "maintain", "dev.dpf.jobs.glue.MaintainJob",
          "erase", "dev.dpf.jobs.glue.EraseJob");

  private String id(String type) {
    return Synth.onlyId(t, type);
  }

  private String bucket(String prefix) {
    return Synth.idStartingWith(t, "AWS::S3::Bucket", prefix);
  }

  /** {@code s3://<bucket>/path}. */
  private Map<String, Object> s3(String bucketPrefix, String path) {
    return path.isEmpty()
        ? join("s3://", ref(bucket(bucketPrefix)))
        : join("s3://", ref(bucket(bucketPrefix)), path);
  }

  @Test
  void maintenanceRunsOnAScheduleOfItsOwnOutsideThePipelinesStateMachine() {
    String maintain =
        t.findResources("AWS::Glue::Job").entrySet().stream()
            .filter(e -> e.getValue().toString().contains("dpf maintain stage"))
            .map(Map.Entry::getKey)
            .findFirst()
            .orElseThrow();
    t.resourceCountIs("AWS::Glue::Trigger", 1);
    t.hasResourceProperties(
        "AWS::Glue::Trigger",
        Map.of(
            "Type",
            "SCHEDULED",
            "Schedule",
            "cron(0 4 * * ? *)",
            "StartOnCreation",
            true,
            "Actions",
            List.of(Map.of("JobName", ref(maintain)))));
    String definition =
        t.findResources("AWS::StepFunctions::StateMachine").values().iterator().next().toString();
    assertThat(definition)
        .contains("Ingest")
        .contains("Curate")
        .doesNotContain("Maintain")
        .doesNotContain("Erase");
  }

  @Test
  void glueJobsRunOurJavaMainsOnGlue5WithDeltaAndTheCatalog() {
    t.resourceCountIs("AWS::Glue::Job", 5);
    t.allResourcesProperties(
        "AWS::Glue::Job",
        Map.of(
            "GlueVersion",
            "5.0",
            "Command",
            Map.of(
                "Name", "glueetl", "ScriptLocation", s3("ArtifactsBucket", "/glue/dpf-job.scala")),
            "WorkerType",
            "G.1X",
            "NumberOfWorkers",
            2,
            "Timeout",
            120,
            "MaxRetries",
            0,
            "ExecutionProperty",
            Map.of("MaxConcurrentRuns", 1),
            "SecurityConfiguration",
            ref(id("AWS::Glue::SecurityConfiguration")),
            "DefaultArguments",
            Map.of(
                "--job-language", "scala",
                "--extra-jars", s3("ArtifactsBucket", "/glue/dpf-jobs.jar"),
                "--datalake-formats", "delta",
                "--conf",
                    "spark.sql.extensions=io.delta.sql.DeltaSparkSessionExtension --conf"
                        + " spark.sql.catalog.spark_catalog=org.apache.spark.sql.delta.catalog.DeltaCatalog",
                "--enable-glue-datacatalog", "true",
                "--enable-continuous-cloudwatch-log", "true",
                "--enable-metrics", "true",
                "--TempDir", s3("ArtifactsBucket", "/temp/"),
                "--job-bookmark-option", "job-bookmark-disable",
                "--lake", s3("LakeBucket", ""))));
    t.allResourcesProperties(
        "AWS::Glue::Job",
        Map.of(
            "DefaultArguments",
            Map.of(
                "--raw",
                join(
                    "s3://",
                    Map.of(
                        "Fn::ImportValue",
                        Match.stringLikeRegexp("DataIngestion:ExportsOutputRefRawBucket.*"))))));
    MAIN_CLASSES.forEach(
        (stage, main) ->
            t.hasResourceProperties(
                "AWS::Glue::Job",
                Map.of(
                    "Description",
                    "dpf " + stage + " stage (" + main + ")",
                    "DefaultArguments",
                    Map.of("--class", main))));
  }

  @Test
  void theJobsOwnArgumentParserAcceptsWhatGluePasses() {
    for (Map<String, Object> job : t.findResources("AWS::Glue::Job").values()) {
      Map<String, String> args = new TreeMap<>();
      ((Map<?, ?>) ((Map<?, ?>) job.get("Properties")).get("DefaultArguments"))
          .forEach((k, v) -> args.put((String) k, render(v)));
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
    t.resourceCountIs("Custom::CDKBucketDeployment", 1);
    t.hasResourceProperties(
        "Custom::CDKBucketDeployment",
        Map.of(
            "DestinationBucketName",
            ref(bucket("ArtifactsBucket")),
            "DestinationBucketKeyPrefix",
            "glue/"));
  }

  @Test
  void glueRoleReachesOnlyThePipelinesFoldersTablesAndKeys() {
    Capture role = new Capture();
    t.allResourcesProperties(
        "AWS::Glue::Job", Map.of("Role", Map.of("Fn::GetAtt", List.of(role, "Arn"))));
    String roleId = role.asString();
    assertThat(
            t.findResources(
                    "AWS::IAM::Role",
                    Map.of(
                        "Properties",
                        Map.of(
                            "ManagedPolicyArns",
                            Match.absent(),
                            "AssumeRolePolicyDocument",
                            Map.of(
                                "Statement",
                                List.of(
                                    Map.of(
                                        "Principal", Map.of("Service", "glue.amazonaws.com")))))))
                .keySet())
        .contains(roleId);
    List<String> resourcesGranted = new ArrayList<>();
    for (JsonNode s : Synth.statements(t, roleId)) {
      assertThat(s.get("Effect").asText()).isEqualTo("Allow");
      for (String action : Synth.list(s.get("Action"))) {
        assertThat(action).doesNotContain("*");
      }
      for (String r : Synth.list(s.get("Resource"))) {
        resourcesGranted.add(r);
        if (r.equals("*")) {
          assertThat(Synth.list(s.get("Action"))).containsExactly("cloudwatch:PutMetricData");
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
    String lake = "<" + bucket("LakeBucket") + ".Arn>/";
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
    Capture definition = new Capture();
    t.hasResourceProperties(
        "AWS::StepFunctions::StateMachine",
        Map.of(
            "DefinitionString", definition,
            "TracingConfiguration", Map.of("Enabled", true),
            "LoggingConfiguration", Map.of("Level", "ALL")));
    JsonNode def = Synth.JSON.readTree(render(definition.asObject()));
    assertThat(def.get("StartAt").asText()).isEqualTo("Ingest");
    assertThat(def.at("/States/Ingest/Next").asText()).isEqualTo("Transform");
    assertThat(def.at("/States/Transform/Next").asText()).isEqualTo("Curate");
    assertThat(def.at("/States/Curate/Next").asText()).isEqualTo("Done");
    assertThat(def.at("/States/Done/Type").asText()).isEqualTo("Succeed");
    for (String stage : List.of("Ingest", "Transform", "Curate")) {
      JsonNode s = def.get("States").get(stage);
      assertThat(s.get("Resource").asText()).endsWith(":states:::glue:startJobRun.sync");
      assertThat(render(s.at("/Parameters/JobName")))
          .isEqualTo("<" + job(stage.toLowerCase()) + ">");
      JsonNode retry = s.get("Retry");
      assertThat(retry).hasSize(2);
      assertThat(Synth.list(retry.get(0).get("ErrorEquals")))
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
      assertThat(Synth.list(retry.get(1).get("ErrorEquals"))).containsExactly("States.TaskFailed");
      assertThat(retry.get(1).get("IntervalSeconds").asInt()).isEqualTo(300);
      assertThat(retry.get(1).get("MaxAttempts").asInt()).isEqualTo(1);
      assertThat(Synth.list(s.at("/Catch/0/ErrorEquals"))).containsExactly("States.ALL");
      assertThat(s.at("/Catch/0/Next").asText()).isEqualTo("NotifyFailure");
    }
    JsonNode notify = def.at("/States/NotifyFailure");
    assertThat(notify.get("Resource").asText()).endsWith(":states:::sns:publish");
    assertThat(render(notify.at("/Parameters/TopicArn")))
        .isEqualTo("<" + id("AWS::SNS::Topic") + ">");
    assertThat(notify.get("Next").asText()).isEqualTo("PipelineFailed");
    assertThat(def.at("/States/PipelineFailed/Type").asText()).isEqualTo("Fail");
  }

  @Test
  void failedTimedOutAndAbortedRunsAlarmToTheTopic() {
    String topic = id("AWS::SNS::Topic");
    t.resourceCountIs("AWS::CloudWatch::Alarm", 3);
    t.allResourcesProperties(
        "AWS::CloudWatch::Alarm",
        Map.of("Namespace", "AWS/States", "Threshold", 1, "AlarmActions", List.of(ref(topic))));
    for (String metric : List.of("ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted")) {
      t.hasResourceProperties("AWS::CloudWatch::Alarm", Map.of("MetricName", metric));
    }
    t.hasResourceProperties(
        "AWS::SNS::Topic", Map.of("KmsMasterKeyId", getAtt(id("AWS::KMS::Key"), "Arn")));
  }

  @Test
  void scheduleStartsThePipelineDailyByDefaultAndFollowsContext() {
    t.hasResourceProperties(
        "AWS::Scheduler::Schedule",
        Map.of(
            "ScheduleExpression", "cron(0 2 * * ? *)",
            "ScheduleExpressionTimezone", "UTC",
            "Target", Map.of("Arn", ref(id("AWS::StepFunctions::StateMachine")))));
    Template other =
        Synth.with(
                Map.of(
                    "pipelineSchedule", "cron(30 5 ? * MON-FRI *)",
                    "scheduleTimeZone", "Europe/London",
                    "glueWorkers", "10",
                    "glueWorkerType", "G.2X"))
            .transformations();
    other.hasResourceProperties(
        "AWS::Scheduler::Schedule",
        Map.of(
            "ScheduleExpression", "cron(30 5 ? * MON-FRI *)",
            "ScheduleExpressionTimezone", "Europe/London"));
    other.allResourcesProperties(
        "AWS::Glue::Job", Map.of("NumberOfWorkers", 10, "WorkerType", "G.2X"));
  }

  @Test
  void catalogHasADatabasePerZoneAndADeltaEntryPerTableOfTheDefinition() {
    t.resourceCountIs("AWS::Glue::Database", 5);
    for (String zone : List.of("consolidated", "transformed", "curated", "quarantine", "_system")) {
      t.hasResourceProperties("AWS::Glue::Database", Map.of("DatabaseInput", Map.of("Name", zone)));
    }
    t.allResourcesProperties(
        "AWS::Glue::Table",
        Map.of(
            "TableInput",
            Map.of(
                "TableType",
                "EXTERNAL_TABLE",
                "Parameters",
                Map.of("table_type", "DELTA", "spark.sql.sources.provider", "delta"))));
    // Every table of src/pipeline.yaml (DefinitionsTest pins that list: 20 tables), at its folder.
    List<PipelineDefinition.Table> tables =
        Definitions.load(Synth.INFRA.resolve("../src/pipeline.yaml").normalize()).tables();
    assertThat(tables).hasSize(20);
    t.resourceCountIs("AWS::Glue::Table", tables.size());
    for (PipelineDefinition.Table table : tables) {
      Map<String, Object> location =
          s3("LakeBucket", "/" + table.zone().dbName() + "/" + table.name());
      t.hasResourceProperties(
          "AWS::Glue::Table",
          Map.of(
              "DatabaseName",
              table.zone().dbName(),
              "TableInput",
              Map.of(
                  "Name",
                  table.name(),
                  "StorageDescriptor",
                  Map.of(
                      "Location",
                      location,
                      "SerdeInfo",
                      Map.of("Parameters", Map.of("path", location))))));
    }
    // What src/pipeline.yaml says of its tables for people, as Athena users see it.
    describes(
        "transformed",
        "customers",
        "Current customer profiles from the order system (classicmodels.customers) (dpf"
            + " transformed.customers, made by dataset customers)",
        "customer-data",
        "customer,pii");
    describes(
        "transformed",
        "customers_history",
        "Current customer profiles from the order system (classicmodels.customers) (dpf"
            + " transformed.customers_history, made by history of dataset customers)",
        "customer-data",
        "customer,pii");
    describes(
        "curated",
        "risk_flags",
        "dpf curated.risk_flags, made by model risk_flags (models/risk_flags.sql)",
        null,
        "analytics");
    describes(
        "consolidated", "orders", "dpf consolidated.orders, made by source orders", null, null);
  }

  /** The catalog entry of {@code zone.name} says this (null: says no owner, no tags). */
  private void describes(String zone, String name, String text, String owner, String tags) {
    t.hasResourceProperties(
        "AWS::Glue::Table",
        Map.of(
            "DatabaseName",
            zone,
            "TableInput",
            Map.of(
                "Name",
                name,
                "Description",
                text,
                "Owner",
                owner == null ? Match.absent() : owner,
                "Parameters",
                Map.of("dpf.tags", tags == null ? Match.absent() : tags))));
  }

  @Test
  void athenaWorkgroupEnforcesEncryptedResultsAndHasAQueryPerCuratedModel() {
    t.hasResourceProperties(
        "AWS::Athena::WorkGroup",
        Map.of(
            "WorkGroupConfiguration",
            Map.of(
                "EnforceWorkGroupConfiguration",
                true,
                "EngineVersion",
                Map.of("SelectedEngineVersion", "Athena engine version 3"),
                "ResultConfiguration",
                Map.of(
                    "EncryptionConfiguration",
                    Map.of("EncryptionOption", "SSE_KMS"),
                    "OutputLocation",
                    s3("ArtifactsBucket", "/athena-results/")))));
    List<String> curated =
        List.of(
            "customer_data_usa",
            "transactions",
            "customer_360",
            "daily_payments_by_country",
            "risk_flags",
            "revenue_by_productline_month");
    t.resourceCountIs("AWS::Athena::NamedQuery", curated.size());
    t.allResourcesProperties("AWS::Athena::NamedQuery", Map.of("Database", "curated"));
    for (String model : curated) {
      t.hasResourceProperties(
          "AWS::Athena::NamedQuery",
          Map.of(
              "Name",
              "curated." + model,
              "QueryString",
              "SELECT * FROM \"curated\".\"" + model + "\" LIMIT 100;"));
    }
  }

  @Test
  void lakeAndArtifactsAreEncryptedWithTheStacksKeyAndLogged() {
    Map<String, Map<String, Object>> encrypted =
        t.findResources(
            "AWS::S3::Bucket",
            Map.of(
                "Properties",
                Map.of(
                    "BucketEncryption",
                    Map.of(
                        "ServerSideEncryptionConfiguration",
                        List.of(
                            Map.of(
                                "ServerSideEncryptionByDefault",
                                Map.of(
                                    "SSEAlgorithm",
                                    "aws:kms",
                                    "KMSMasterKeyID",
                                    getAtt(id("AWS::KMS::Key"), "Arn"))))),
                    "LoggingConfiguration",
                    Map.of("DestinationBucketName", ref(bucket("AccessLogs"))),
                    "PublicAccessBlockConfiguration",
                    Map.of("RestrictPublicBuckets", true))));
    assertThat(encrypted.keySet())
        .containsExactlyInAnyOrder(bucket("LakeBucket"), bucket("ArtifactsBucket"));
  }

  /** The logical id of the job of {@code stage}. */
  private String job(String stage) {
    return t.findResources(
            "AWS::Glue::Job",
            Map.of(
                "Properties",
                Map.of("Description", Match.stringLikeRegexp("dpf " + stage + " .*"))))
        .keySet()
        .iterator()
        .next();
  }
}
