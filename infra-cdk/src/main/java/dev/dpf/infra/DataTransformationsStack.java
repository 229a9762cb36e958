package dev.dpf.infra;

import dev.dpf.definition.PipelineDefinition;
import java.util.List;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.kms.Key;
import software.amazon.awscdk.services.s3.Bucket;
import software.amazon.awscdk.services.s3.LifecycleRule;
import software.amazon.awscdk.services.s3.deployment.BucketDeployment;
import software.amazon.awscdk.services.s3.deployment.Source;
import software.constructs.Construct;

/**
 * The blueprint's {@code DataTransformations} stack: the lake, the Glue jobs that fill it, their
 * catalog, orchestration and schedule, and the analysts' Athena workgroup.
 *
 * <p>The lake is one bucket with a folder per zone ({@code consolidated/}, {@code transformed/},
 * {@code curated/}, {@code quarantine/}, {@code _system/}), the layout the jobs write under one
 * {@code --lake} root. The zones share one writer (the Glue role) and one key, so separate buckets
 * would add no boundary the IAM prefixes do not already draw; readers are scoped per folder.
 */
public final class DataTransformationsStack extends Stack {

  public DataTransformationsStack(
      Construct scope,
      String id,
      StackProps props,
      DeployConfig config,
      PipelineDefinition def,
      DataIngestionStack ingestion) {
    super(scope, id, props);
    boolean dev = config.devEnvironment();
    Key key = Buckets.key(this, "LakeKey", "dpf lake: zones, artifacts, logs, alerts", dev);
    LogGroups.allowLogs(key);
    Bucket logs = Buckets.accessLogs(this, "AccessLogs", dev);
    Bucket lake =
        Buckets.secure(this, "LakeBucket", key, logs, dev, List.of(Buckets.housekeeping(30)));
    Bucket artifacts =
        Buckets.secure(
            this,
            "ArtifactsBucket",
            key,
            logs,
            dev,
            List.of(
                Buckets.housekeeping(30),
                expire("temp/", 7),
                expire("spark-events/", 90),
                expire("athena-results/", 30)));
    BucketDeployment jar = glueArtifacts(config, artifacts);

    LakeCatalog catalog = new LakeCatalog(this, "Catalog", def, lake);
    GlueJobs glue =
        new GlueJobs(
            this,
            "Glue",
            config,
            def,
            new GlueJobs.Storage(ingestion.raw(), ingestion.key(), lake, key, artifacts));
    glue.jobs().values().forEach(j -> j.getNode().addDependency(jar));
    PipelineStateMachine pipeline =
        new PipelineStateMachine(this, "Pipeline", config, glue.jobs(), key);
    new AnalystWorkgroup(this, "Analysts", config, def, artifacts, key, catalog);

    CfnOutput.Builder.create(this, "StateMachineArn")
        .description("Starts a pipeline run: aws stepfunctions start-execution --state-machine-arn")
        .value(pipeline.stateMachine().getStateMachineArn())
        .build();
    CfnOutput.Builder.create(this, "LakeBucketName")
        .description("The lake: s3://<this>/<zone>/<table>")
        .value(lake.getBucketName())
        .build();
  }

  private static LifecycleRule expire(String prefix, int days) {
    return LifecycleRule.builder()
        .id("expire-" + prefix.replace("/", ""))
        .prefix(prefix)
        .expiration(Duration.days(days))
        .build();
  }

  /** The Glue jar and job scripts copied into the artifacts bucket's glue/ folder. */
  private BucketDeployment glueArtifacts(DeployConfig config, Bucket artifacts) {
    BucketDeployment jar =
        BucketDeployment.Builder.create(this, "GlueArtifacts")
            .sources(List.of(Source.asset(config.glueArtifacts().toString())))
            .destinationBucket(artifacts)
            .destinationKeyPrefix("glue/")
            .memoryLimit(1024)
            .build();
    // The CDK's own deployment handler (a singleton Lambda function and its role).
    var handlerRole = jar.getHandlerRole();
    Nag.suppress(
        handlerRole.getNode().getScope(),
        "AwsSolutions-L1",
        "The CDK's BucketDeployment handler: its runtime is chosen by the CDK release and moves"
            + " with it.");
    Nag.suppress(
        handlerRole.getNode().getScope(),
        "PCI.DSS.321-LambdaInsideVPC",
        "The CDK's BucketDeployment handler talks only to S3 at deployment time and handles no"
            + " cardholder data.");
    Nag.suppress(
        handlerRole,
        "PCI.DSS.321-IAMNoInlinePolicy",
        "The policy the CDK's BucketDeployment attaches to its handler's role.");
    Nag.suppressFindings(
        handlerRole,
        "AwsSolutions-IAM4",
        "The CDK's BucketDeployment handler logs with AWS's basic Lambda execution policy.",
        "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole");
    Nag.suppressFindings(
        handlerRole,
        "AwsSolutions-IAM5",
        "The CDK's BucketDeployment handler copies the asset's files from the CDK asset bucket"
            + " into the artifacts bucket; the CDK grants these object actions on both buckets.",
        "Action::s3:(Abort|DeleteObject|GetBucket|GetObject|List)\\*",
        "Action::kms:(GenerateDataKey|ReEncrypt)\\*",
        "Resource::<ArtifactsBucket.*\\.Arn>/\\*",
        "Resource::arn:<AWS::Partition>:s3:::cdk-[a-z0-9]+-assets-<AWS::AccountId>-<AWS::Region>/\\*");
    return jar;
  }
}
