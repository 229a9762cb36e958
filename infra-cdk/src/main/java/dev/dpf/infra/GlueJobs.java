package dev.dpf.infra;

import dev.dpf.definition.PipelineDefinition;
import dev.dpf.definition.SourceDef;
import dev.dpf.definition.Zone;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import software.amazon.awscdk.ArnComponents;
import software.amazon.awscdk.ArnFormat;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.glue.CfnJob;
import software.amazon.awscdk.services.glue.CfnSecurityConfiguration;
import software.amazon.awscdk.services.glue.CfnTrigger;
import software.amazon.awscdk.services.iam.ManagedPolicy;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.kms.IKey;
import software.amazon.awscdk.services.s3.IBucket;
import software.amazon.awscdk.services.secretsmanager.ISecret;
import software.constructs.Construct;

/**
 * The Glue 5.0 jobs: one per stage and one for maintenance (on a schedule), each running the
 * stage's Java main class from the jobs jar (Glue's {@code --class} and {@code --extra-jars}), with
 * Delta and the Glue Data Catalog, one run at a time, continuous logs and metrics, everything it
 * writes encrypted by a security configuration, and one role that reaches only the pipeline's
 * folders, catalog entries and keys.
 */
final class GlueJobs extends Construct {
  /**
   * A job: its name in messages, the jobs jar's entry class for it, and whether it is a stage of
   * the pipeline's run (the state machine runs those in order; maintenance has a schedule of its
   * own; an erase is started by hand).
   */
  enum Stage {
    INGEST("ingest", "dev.dpf.jobs.glue.IngestJob", true),
    TRANSFORM("transform", "dev.dpf.jobs.glue.TransformJob", true),
    CURATE("curate", "dev.dpf.jobs.glue.CurateJob", true),
    MAINTAIN("maintain", "dev.dpf.jobs.glue.MaintainJob", false),
    /** Started by hand with {@code --erase 'DATASET KEY=VALUE'} (and {@code --purge true}). */
    ERASE("erase", "dev.dpf.jobs.glue.EraseJob", false);

    final String label;
    final String mainClass;
    final boolean ofRun;

    Stage(String label, String mainClass, boolean ofRun) {
      this.label = label;
      this.mainClass = mainClass;
      this.ofRun = ofRun;
    }
  }

  static final String JAR = "dpf-jobs.jar";
  static final String SCRIPT = "dpf-job.scala";
  static final String DELTA_CONF =
      "spark.sql.extensions=io.delta.sql.DeltaSparkSessionExtension"
          + " --conf spark.sql.catalog.spark_catalog=org.apache.spark.sql.delta.catalog.DeltaCatalog";

  private final Role role;
  private final ManagedPolicy policy;
  private final Map<Stage, CfnJob> jobs = new LinkedHashMap<>();

  GlueJobs(
      Construct scope, String id, DeployConfig config, PipelineDefinition def, Storage storage) {
    super(scope, id);
    role =
        Role.Builder.create(this, "Role")
            .assumedBy(new ServicePrincipal("glue.amazonaws.com"))
            .description("dpf Glue jobs: read raw, write the lake, register its tables")
            .build();
    policy = Roles.policyOf(role);
    grant(def, storage);

    CfnSecurityConfiguration security =
        CfnSecurityConfiguration.Builder.create(this, "SecurityConfiguration")
            .name(Stack.of(this).getStackName() + "-glue")
            .encryptionConfiguration(
                CfnSecurityConfiguration.EncryptionConfigurationProperty.builder()
                    .s3Encryptions(
                        List.of(
                            CfnSecurityConfiguration.S3EncryptionProperty.builder()
                                .s3EncryptionMode("SSE-KMS")
                                .kmsKeyArn(storage.lakeKey().getKeyArn())
                                .build()))
                    .cloudWatchEncryption(
                        CfnSecurityConfiguration.CloudWatchEncryptionProperty.builder()
                            .cloudWatchEncryptionMode("SSE-KMS")
                            .kmsKeyArn(storage.lakeKey().getKeyArn())
                            .build())
                    .jobBookmarksEncryption(
                        CfnSecurityConfiguration.JobBookmarksEncryptionProperty.builder()
                            .jobBookmarksEncryptionMode("CSE-KMS")
                            .kmsKeyArn(storage.lakeKey().getKeyArn())
                            .build())
                    .build())
            .build();

    for (Stage stage : Stage.values()) {
      CfnJob job =
          CfnJob.Builder.create(this, Names.pascal(stage.label) + "Job")
              .description("dpf " + stage.label + " stage (" + stage.mainClass + ")")
              .role(role.getRoleArn())
              .glueVersion("5.0")
              .command(
                  CfnJob.JobCommandProperty.builder()
                      .name("glueetl")
                      .scriptLocation(storage.artifacts().s3UrlForObject("glue/" + SCRIPT))
                      .build())
              .defaultArguments(arguments(stage, storage))
              .workerType(config.glueWorkerType())
              .numberOfWorkers(config.glueWorkers())
              .timeout(config.glueTimeoutMinutes())
              .maxRetries(0) // the state machine retries, with backoff
              .executionProperty(
                  CfnJob.ExecutionPropertyProperty.builder().maxConcurrentRuns(1).build())
              .securityConfiguration(security.getRef())
              .build();
      jobs.put(stage, job);
    }
    schedule(config);
  }

  /**
   * Maintenance on its own schedule (Glue triggers count in UTC); a run that holds the lake then
   * makes it stop with one line, and the next one does the work.
   */
  private void schedule(DeployConfig config) {
    CfnTrigger.Builder.create(this, "MaintainSchedule")
        .description("dpf maintain: compacts, and removes files no kept run needs")
        .type("SCHEDULED")
        .schedule(config.maintenanceSchedule())
        .startOnCreation(true)
        .actions(
            List.of(
                CfnTrigger.ActionProperty.builder()
                    .jobName(jobs.get(Stage.MAINTAIN).getRef())
                    .build()))
        .build();
  }

  /**
   * Where the jobs read and write, and the secret under which they hash personal data (the lake key
   * encrypts it; only the jobs' role reads it).
   */
  record Storage(
      IBucket raw, IKey rawKey, IBucket lake, IKey lakeKey, IBucket artifacts, ISecret piiKey) {}

  /** The job argument that names the PII key's secret (the Spark setting the jobs read it from). */
  static final String PII_KEY_SECRET = "--pii-key-secret";

  /** The job's arguments: Glue's settings for a Java jar job with Delta, then dpf's own. */
  static Map<String, String> arguments(Stage stage, Storage storage) {
    Map<String, String> args = new TreeMap<>();
    args.put("--job-language", "scala");
    args.put("--class", stage.mainClass);
    args.put("--extra-jars", storage.artifacts().s3UrlForObject("glue/" + JAR));
    args.put("--datalake-formats", "delta");
    args.put("--conf", DELTA_CONF);
    args.put("--enable-glue-datacatalog", "true");
    args.put("--TempDir", storage.artifacts().s3UrlForObject("temp/"));
    args.put("--enable-continuous-cloudwatch-log", "true");
    args.put("--enable-metrics", "true");
    args.put("--enable-observability-metrics", "true");
    args.put("--enable-spark-ui", "true");
    args.put("--spark-event-logs-path", storage.artifacts().s3UrlForObject("spark-events/"));
    args.put("--job-bookmark-option", "job-bookmark-disable");
    args.put("--raw", "s3://" + storage.raw().getBucketName());
    args.put("--lake", "s3://" + storage.lake().getBucketName());
    args.put(PII_KEY_SECRET, storage.piiKey().getSecretArn());
    return args;
  }

  Map<Stage, CfnJob> jobs() {
    return jobs;
  }

  /** Least privilege: only the definition's raw folders, the lake's zones, its tables, its keys. */
  private void grant(PipelineDefinition def, Storage storage) {
    Stack stack = Stack.of(this);
    grantRaw(def, storage);
    grantLake(storage);
    statement(
        List.of("secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"),
        List.of(storage.piiKey().getSecretArn()));
    grantCatalog(def, stack);
    grantLogs(stack);
    Nag.suppressFindings(
        role,
        "AwsSolutions-IAM5",
        "Object-level access is per folder: the definition's raw source folders (read), the"
            + " lake's zone folders and the artifacts' glue/, temp/ and spark-events/ folders,"
            + " where Spark and Delta name the files themselves.",
        "Resource::(<.*Bucket.*\\.Arn>|.*ExportsOutputFnGetAtt.*Bucket.*Arn.*)/.*\\*");
    Nag.suppressFindings(
        role,
        "AwsSolutions-IAM5",
        "Glue names its log streams per run under /aws-glue/; PutMetricData has no resource-level"
            + " permissions (limited to the Glue namespace by condition); quarantine and _system"
            + " tables are created by the jobs under their own zone databases.",
        "Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws-glue/\\*",
        "Resource::\\*",
        "Resource::arn:<AWS::Partition>:glue:<AWS::Region>:<AWS::AccountId>:table/(quarantine|_system)/\\*");
  }

  /** Reads the definition's raw source folders, lists only them, decrypts with the raw key. */
  private void grantRaw(PipelineDefinition def, Storage storage) {
    List<String> rawObjects = new ArrayList<>();
    List<String> rawPrefixes = new ArrayList<>();
    for (SourceDef s : def.sources()) {
      rawObjects.add(storage.raw().arnForObjects(s.path() + "/*"));
      rawPrefixes.add(s.path() + "/*");
      rawPrefixes.add(s.path() + "/");
      rawPrefixes.add(s.path());
    }
    statement(List.of("s3:GetObject"), rawObjects);
    policy.addStatements(
        PolicyStatement.Builder.create()
            .actions(List.of("s3:ListBucket"))
            .resources(List.of(storage.raw().getBucketArn()))
            .conditions(Map.of("StringLike", Map.of("s3:prefix", rawPrefixes)))
            .build());
    statement(List.of("kms:Decrypt"), List.of(storage.rawKey().getKeyArn()));
  }

  /** Reads and writes the lake's zone folders and the artifacts' glue, temp and event folders. */
  private void grantLake(Storage storage) {
    List<String> lakeObjects =
        java.util.Arrays.stream(Zone.values())
            .map(z -> storage.lake().arnForObjects(z.dbName() + "/*"))
            .toList();
    statement(List.of("s3:GetObject", "s3:PutObject", "s3:DeleteObject"), lakeObjects);
    statement(
        List.of("s3:ListBucket", "s3:GetBucketLocation"),
        List.of(storage.lake().getBucketArn(), storage.artifacts().getBucketArn()));
    statement(List.of("s3:GetObject"), List.of(storage.artifacts().arnForObjects("glue/*")));
    statement(
        List.of("s3:GetObject", "s3:PutObject", "s3:DeleteObject"),
        List.of(
            storage.artifacts().arnForObjects("temp/*"),
            storage.artifacts().arnForObjects("spark-events/*")));
    statement(
        List.of("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"),
        List.of(storage.lakeKey().getKeyArn()));
  }

  /** The catalog's zone databases and the definition's tables (the jobs' own by zone). */
  private void grantCatalog(PipelineDefinition def, Stack stack) {
    List<String> catalog = new ArrayList<>();
    catalog.add(Roles.glueArn(stack, "catalog", null));
    catalog.add(Roles.glueArn(stack, "database", "default"));
    for (Zone z : Zone.values()) {
      catalog.add(Roles.glueArn(stack, "database", z.dbName()));
    }
    for (PipelineDefinition.Table t : def.tables()) {
      catalog.add(Roles.glueArn(stack, "table", t.zone().dbName() + "/" + t.name()));
    }
    // The pipeline's own tables (run log, file log, quarantine) are named by the jobs.
    catalog.add(Roles.glueArn(stack, "table", Zone.QUARANTINE.dbName() + "/*"));
    catalog.add(Roles.glueArn(stack, "table", Zone.SYSTEM.dbName() + "/*"));
    statement(
        List.of(
            "glue:GetDatabase",
            "glue:GetDatabases",
            "glue:CreateDatabase",
            "glue:GetTable",
            "glue:GetTables",
            "glue:CreateTable",
            "glue:UpdateTable",
            "glue:DeleteTable",
            "glue:GetPartition",
            "glue:GetPartitions",
            "glue:BatchGetPartition"),
        catalog);
  }

  /** Glue's log groups and its CloudWatch metrics. */
  private void grantLogs(Stack stack) {
    String glueLogs =
        stack.formatArn(
            ArnComponents.builder()
                .service("logs")
                .resource("log-group")
                .resourceName("/aws-glue/*")
                .arnFormat(ArnFormat.COLON_RESOURCE_NAME)
                .build());
    statement(
        List.of(
            "logs:CreateLogGroup",
            "logs:CreateLogStream",
            "logs:PutLogEvents",
            "logs:AssociateKmsKey"),
        List.of(glueLogs));
    policy.addStatements(
        PolicyStatement.Builder.create()
            .actions(List.of("cloudwatch:PutMetricData"))
            .resources(List.of("*"))
            .conditions(Map.of("StringEquals", Map.of("cloudwatch:namespace", "Glue")))
            .build());
  }

  private void statement(List<String> actions, List<String> resources) {
    policy.addStatements(
        PolicyStatement.Builder.create().actions(actions).resources(resources).build());
  }
}
