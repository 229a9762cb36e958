package dev.dpf.infra;

import dev.dpf.definition.SourceDef;
import java.util.List;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.services.datasync.CfnLocationS3;
import software.amazon.awscdk.services.datasync.CfnTask;
import software.amazon.awscdk.services.iam.ManagedPolicy;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.kms.Key;
import software.amazon.awscdk.services.s3.IBucket;
import software.constructs.Construct;

/**
 * Partner flat files: partners deliver into {@code <landing bucket>/<source>/}; a scheduled AWS
 * DataSync task per {@code csv-files} source copies new and changed files into the source's raw
 * folder, verifies what it transferred, and never deletes from raw (raw keeps what was received;
 * the landing bucket expires it). A file re-sent under the same name with other content is copied
 * again and the ingest stage reads it as a new file.
 */
final class FlatFileTransfer extends Construct {

  FlatFileTransfer(
      Construct scope,
      String id,
      DeployConfig config,
      List<SourceDef> sources,
      IBucket landing,
      IBucket raw,
      Key key) {
    super(scope, id);
    var logs = LogGroups.create(this, "Logs", key, config.devEnvironment());
    for (SourceDef source : sources) {
      String name = Names.pascal(source.name());
      CfnLocationS3 from = location(name + "Landing", landing, source.name(), false, key);
      CfnLocationS3 to = location(name + "Raw", raw, source.path(), true, key);
      CfnTask.Builder.create(this, name + "Task")
          .sourceLocationArn(from.getAttrLocationArn())
          .destinationLocationArn(to.getAttrLocationArn())
          .cloudWatchLogGroupArn(logs.getLogGroupArn())
          .schedule(
              CfnTask.TaskScheduleProperty.builder()
                  .scheduleExpression(config.flatFileSchedule())
                  .build())
          .options(
              CfnTask.OptionsProperty.builder()
                  .transferMode("CHANGED")
                  .verifyMode("ONLY_FILES_TRANSFERRED")
                  .overwriteMode("ALWAYS")
                  .preserveDeletedFiles("PRESERVE")
                  .logLevel("TRANSFER")
                  .build())
          .build();
      CfnOutput output =
          CfnOutput.Builder.create(this, name + "LandingPrefix")
              .description("Where partners deliver files of source '" + source.name() + "'")
              .value("s3://" + landing.getBucketName() + "/" + source.name() + "/")
              .build();
      // Plain names (no construct hash), as the README and the dpf tools refer to them.
      output.overrideLogicalId(name + "LandingPrefix");
    }
  }

  /** A DataSync location: one folder of one bucket, with a role that reads it (or also writes). */
  private CfnLocationS3 location(String id, IBucket bucket, String folder, boolean write, Key key) {
    Role role = locationRole(id + "Role", bucket, folder, write, key);
    CfnLocationS3 location =
        CfnLocationS3.Builder.create(this, id)
            .s3BucketArn(bucket.getBucketArn())
            .subdirectory("/" + folder + "/")
            .s3Config(
                CfnLocationS3.S3ConfigProperty.builder()
                    .bucketAccessRoleArn(role.getRoleArn())
                    .build())
            .build();
    // DataSync checks the role's access when the location is created.
    location.getNode().addDependency(role);
    return location;
  }

  /** A role DataSync uses for one folder of one bucket: read it, or also write it. */
  private Role locationRole(String id, IBucket bucket, String folder, boolean write, Key key) {
    Role role =
        Role.Builder.create(this, id)
            .assumedBy(new ServicePrincipal("datasync.amazonaws.com"))
            .description("DataSync " + (write ? "writes " : "reads ") + folder + "/")
            .build();
    ManagedPolicy policy = Roles.policyOf(role);
    policy.addStatements(
        PolicyStatement.Builder.create()
            .actions(
                List.of("s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"))
            .resources(List.of(bucket.getBucketArn()))
            .build());
    List<String> objectActions =
        write
            ? List.of(
                "s3:GetObject",
                "s3:GetObjectTagging",
                "s3:PutObject",
                "s3:PutObjectTagging",
                "s3:AbortMultipartUpload",
                "s3:ListMultipartUploadParts")
            : List.of("s3:GetObject", "s3:GetObjectTagging", "s3:GetObjectVersion");
    policy.addStatements(
        PolicyStatement.Builder.create()
            .actions(objectActions)
            .resources(List.of(bucket.arnForObjects(folder + "/*")))
            .build());
    policy.addStatements(
        PolicyStatement.Builder.create()
            .actions(
                write
                    ? List.of("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey")
                    : List.of("kms:Decrypt"))
            .resources(List.of(key.getKeyArn()))
            .build());
    Nag.suppressFindings(
        role,
        "AwsSolutions-IAM5",
        "DataSync copies whatever files arrive; the role reaches only objects under this one"
            + " source's folder.",
        "Resource::<.*Bucket.*\\.Arn>/.*\\*");
    return role;
  }
}
