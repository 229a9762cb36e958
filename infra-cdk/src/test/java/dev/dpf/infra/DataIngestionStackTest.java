package dev.dpf.infra;

import static dev.dpf.infra.Synth.getAtt;
import static dev.dpf.infra.Synth.join;
import static dev.dpf.infra.Synth.ref;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Capture;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

/** The DataIngestion stack's security and wiring, on the repository's definition. */
class DataIngestionStackTest {
  private final Template t = Synth.defaults().ingestion();

  private String id(String type) {
    return Synth.onlyId(t, type);
  }

  private String bucket(String prefix) {
    return Synth.idStartingWith(t, "AWS::S3::Bucket", prefix);
  }

  private String dmsSecurityGroup() {
    return Synth.idStartingWith(t, "AWS::EC2::SecurityGroup", "DmsSecurityGroup");
  }

  @Test
  void dmsReplicationInstanceIsPrivateInItsOwnSubnetsAndEncrypted() {
    t.hasResourceProperties(
        "AWS::DMS::ReplicationInstance",
        Map.of(
            "PubliclyAccessible", false,
            "ReplicationSubnetGroupIdentifier", ref(id("AWS::DMS::ReplicationSubnetGroup")),
            "VpcSecurityGroupIds", List.of(getAtt(dmsSecurityGroup(), "GroupId")),
            "KmsKeyId", getAtt(id("AWS::KMS::Key"), "Arn")));
    // The subnets it may use have no route to the internet.
    t.resourceCountIs("AWS::EC2::InternetGateway", 0);
    t.resourceCountIs("AWS::EC2::NatGateway", 0);
    t.hasResourceProperties("AWS::EC2::FlowLog", Map.of("TrafficType", "ALL"));
  }

  @Test
  void dmsSecurityGroupReachesMySqlOnlyInTheOnPremisesCidrAndAdmitsNothing() {
    Capture description = new Capture();
    t.hasResourceProperties(
        "AWS::EC2::SecurityGroup",
        Map.of(
            "GroupDescription", description,
            "SecurityGroupIngress", Match.absent(),
            "SecurityGroupEgress",
                Match.exact(
                    List.of(
                        Map.of(
                            "CidrIp", "10.20.0.0/16",
                            "Description", "MySQL on premises (context onPremCidr)",
                            "FromPort", 3306,
                            "IpProtocol", "tcp",
                            "ToPort", 3306),
                        Map.of(
                            "CidrIp", "0.0.0.0/0",
                            "Description", "HTTPS to AWS APIs via VPC endpoints",
                            "FromPort", 443,
                            "IpProtocol", "tcp",
                            "ToPort", 443)))));
    assertThat(description.asString()).startsWith("DMS replication instance");
    // No separate ingress rule points at it, and nothing is open to the world on MySQL's port.
    assertThat(
            t.findResources(
                "AWS::EC2::SecurityGroupIngress",
                Map.of("Properties", Map.of("GroupId", getAtt(dmsSecurityGroup(), "GroupId")))))
        .isEmpty();
    for (String direction : List.of("SecurityGroupIngress", "SecurityGroupEgress")) {
      assertThat(
              t.findResources(
                  "AWS::EC2::SecurityGroup",
                  Map.of(
                      "Properties",
                      Map.of(
                          direction,
                          Match.arrayWith(
                              List.of(
                                  Match.objectLike(
                                      Map.of("CidrIp", "0.0.0.0/0", "FromPort", 3306))))))))
          .as(direction)
          .isEmpty();
    }
  }

  @Test
  void mySqlSourceReadsItsCredentialsFromSecretsManagerOnly() {
    Capture role = new Capture();
    t.hasResourceProperties(
        "AWS::DMS::Endpoint",
        Map.of(
            "EndpointType", "source",
            "EngineName", "mysql",
            "SslMode", "require",
            "Password", Match.absent(),
            "Username", Match.absent(),
            "ServerName", Match.absent(),
            "Port", Match.absent(),
            "MySqlSettings",
                Map.of(
                    "SecretsManagerSecretId",
                    "dpf/mysql",
                    "SecretsManagerAccessRoleArn",
                    Map.of("Fn::GetAtt", List.of(role, "Arn")))));
    t.hasResource(
        "AWS::IAM::Role",
        Map.of(
            "Properties",
            Map.of(
                "AssumeRolePolicyDocument",
                Map.of(
                    "Statement",
                    List.of(
                        Map.of(
                            "Principal",
                            Map.of(
                                "Service",
                                join("dms.", ref("AWS::Region"), ".amazonaws.com"))))))));
    // Its one permission: this secret.
    Object itsRole = Match.objectLike(Map.of("Roles", List.of(ref(role.asString()))));
    t.resourcePropertiesCountIs("AWS::IAM::Policy", itsRole, 0);
    t.resourcePropertiesCountIs("AWS::IAM::ManagedPolicy", itsRole, 1);
    t.hasResourceProperties(
        "AWS::IAM::ManagedPolicy",
        Map.of(
            "Roles",
            List.of(ref(role.asString())),
            "PolicyDocument",
            Map.of(
                "Statement",
                Match.exact(
                    List.of(
                        Map.of(
                            "Action",
                            List.of(
                                "secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"),
                            "Effect",
                            "Allow",
                            "Resource",
                            join(
                                "arn:",
                                ref("AWS::Partition"),
                                ":secretsmanager:",
                                ref("AWS::Region"),
                                ":",
                                ref("AWS::AccountId"),
                                ":secret:dpf/mysql-??????")))))));
  }

  @Test
  void s3TargetWritesTheLayoutTheIngestStageReads() {
    t.hasResourceProperties(
        "AWS::DMS::Endpoint",
        Map.of(
            "EndpointType",
            "target",
            "S3Settings",
            Map.of(
                "BucketFolder",
                "dms",
                "DataFormat",
                "csv",
                "AddColumnName",
                true,
                "TimestampColumnName",
                "dms_timestamp",
                "IncludeOpForFullLoad",
                false,
                "DatePartitionEnabled",
                false,
                "EncryptionMode",
                "SSE_KMS",
                "BucketName",
                ref(bucket("RawBucket")))));
  }

  @Test
  void replicationTaskCopiesExactlyTheDefinitionsDmsTables() {
    List<Object> rules = new java.util.ArrayList<>();
    for (String table : List.of("customers", "orders", "orderdetails", "products")) {
      rules.add(
          Match.objectLike(
              Map.of(
                  "rule-type", "selection",
                  "rule-action", "include",
                  "object-locator", Map.of("schema-name", "classicmodels", "table-name", table))));
    }
    // src/pipeline.yaml: sources customers, orders, orderdetails, products under dms/classicmodels.
    t.hasResourceProperties(
        "AWS::DMS::ReplicationTask",
        Map.of(
            "MigrationType", "full-load-and-cdc",
            "TableMappings",
                Match.serializedJson(Match.objectLike(Map.of("rules", Match.exact(rules)))),
            "ReplicationTaskSettings",
                Match.serializedJson(
                    Match.objectLike(
                        Map.of(
                            "FullLoadSettings", Map.of("TargetTablePrepMode", "DO_NOTHING"),
                            "Logging", Map.of("EnableLogging", true))))));
  }

  @Test
  void firehoseDeliversTheStreamIntoTheIngestLayoutWithErrorsKeptApart() {
    t.hasResourceProperties(
        "AWS::Kinesis::Stream",
        Map.of(
            "StreamModeDetails", Map.of("StreamMode", "ON_DEMAND"),
            "StreamEncryption", Map.of("EncryptionType", "KMS")));
    String raw = bucket("RawBucket");
    Capture role = new Capture();
    t.hasResourceProperties(
        "AWS::KinesisFirehose::DeliveryStream",
        Map.of(
            "DeliveryStreamType", "KinesisStreamAsSource",
            "KinesisStreamSourceConfiguration",
                Map.of("KinesisStreamARN", getAtt(id("AWS::Kinesis::Stream"), "Arn")),
            "ExtendedS3DestinationConfiguration",
                Map.of(
                    "Prefix", "streaming/payments/!{timestamp:yyyy/MM/dd/HH}/",
                    "ErrorOutputPrefix",
                        "errors/firehose/payments/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/",
                    "CompressionFormat", "GZIP",
                    "BufferingHints", Map.of("IntervalInSeconds", 300, "SizeInMBs", 64),
                    "CloudWatchLoggingOptions", Map.of("Enabled", true),
                    "EncryptionConfiguration",
                        Map.of(
                            "KMSEncryptionConfig",
                            Map.of("AWSKMSKeyARN", getAtt(id("AWS::KMS::Key"), "Arn"))),
                    "BucketARN", getAtt(raw, "Arn"),
                    "ProcessingConfiguration",
                        Map.of("Processors", List.of(Map.of("Type", "AppendDelimiterToRecord"))),
                    "RoleARN", Map.of("Fn::GetAtt", List.of(role, "Arn")))));
    // Its role writes only the source's folder and the error folder of the raw bucket.
    Capture objects = new Capture();
    t.hasResourceProperties(
        "AWS::IAM::ManagedPolicy",
        Map.of(
            "Roles",
            List.of(ref(role.asString())),
            "PolicyDocument",
            Map.of(
                "Statement",
                Match.arrayWith(
                    List.of(
                        Match.objectLike(
                            Map.of(
                                "Action",
                                Match.arrayWith(List.of("s3:PutObject")),
                                "Resource",
                                objects)))))));
    assertThat(objects.asArray())
        .containsExactlyInAnyOrder(
            join(getAtt(raw, "Arn"), "/streaming/payments/*"),
            join(getAtt(raw, "Arn"), "/errors/firehose/payments/*"));
    assertThat(objects.next()).as("one statement writes objects").isFalse();
  }

  @Test
  void flatFilesMoveFromTheLandingBucketIntoTheSourcesRawFolderOnASchedule() {
    Capture from = new Capture();
    Capture to = new Capture();
    t.hasResourceProperties(
        "AWS::DataSync::Task",
        Map.of(
            "Schedule", Map.of("ScheduleExpression", "rate(1 hour)"),
            "Options",
                Map.of(
                    "TransferMode", "CHANGED",
                    "VerifyMode", "ONLY_FILES_TRANSFERRED",
                    "PreserveDeletedFiles", "PRESERVE"),
            "SourceLocationArn", Map.of("Fn::GetAtt", List.of(from, "LocationArn")),
            "DestinationLocationArn", Map.of("Fn::GetAtt", List.of(to, "LocationArn"))));
    assertThat(location("/transactions/", bucket("LandingBucket")))
        .containsExactly(from.asString());
    assertThat(location("/files/transactions/", bucket("RawBucket")))
        .containsExactly(to.asString());
  }

  /** The DataSync locations of {@code folder} in the bucket {@code bucketId}. */
  private java.util.Set<String> location(String folder, String bucketId) {
    return t.findResources(
            "AWS::DataSync::LocationS3",
            Map.of(
                "Properties",
                Map.of("Subdirectory", folder, "S3BucketArn", getAtt(bucketId, "Arn"))))
        .keySet();
  }

  @Test
  void dataBucketsAreEncryptedPrivateTlsOnlyVersionedLoggedAndRetained() {
    t.resourceCountIs("AWS::S3::Bucket", 3);
    t.allResources("AWS::S3::Bucket", Map.of("DeletionPolicy", "Retain"));
    t.allResourcesProperties(
        "AWS::S3::Bucket",
        Map.of(
            "PublicAccessBlockConfiguration",
                Map.of(
                    "BlockPublicAcls", true,
                    "BlockPublicPolicy", true,
                    "IgnorePublicAcls", true,
                    "RestrictPublicBuckets", true),
            "VersioningConfiguration", Map.of("Status", "Enabled"),
            "LifecycleConfiguration",
                Map.of("Rules", Match.arrayWith(List.of(Match.objectLike(Map.of()))))));
    for (String bucket : List.of("AccessLogs", "RawBucket", "LandingBucket")) {
      // Plain HTTP denied.
      t.hasResourceProperties(
          "AWS::S3::BucketPolicy",
          Map.of(
              "Bucket",
              ref(bucket(bucket)),
              "PolicyDocument",
              Map.of(
                  "Statement",
                  Match.arrayWith(
                      List.of(
                          Match.objectLike(
                              Map.of(
                                  "Action", "s3:*",
                                  "Effect", "Deny",
                                  "Condition",
                                      Map.of("Bool", Map.of("aws:SecureTransport", "false")))))))));
    }
    // S3 delivers access logs only to SSE-S3 buckets; the data buckets use the stack's key and log
    // their access there.
    String raw = bucket("RawBucket");
    String landing = bucket("LandingBucket");
    assertThat(t.findResources("AWS::S3::Bucket", encryptedWith("AES256")).keySet())
        .containsExactly(bucket("AccessLogs"));
    assertThat(t.findResources("AWS::S3::Bucket", encryptedWith("aws:kms")).keySet())
        .containsExactlyInAnyOrder(raw, landing);
    assertThat(
            t.findResources(
                    "AWS::S3::Bucket",
                    Map.of(
                        "Properties",
                        Map.of(
                            "LoggingConfiguration",
                            Map.of("DestinationBucketName", ref(bucket("AccessLogs"))))))
                .keySet())
        .containsExactlyInAnyOrder(raw, landing);
    t.hasResource(
        "AWS::KMS::Key",
        Map.of("DeletionPolicy", "Retain", "Properties", Map.of("EnableKeyRotation", true)));
  }

  private static Map<String, Object> encryptedWith(String algorithm) {
    return Map.of(
        "Properties",
        Map.of(
            "BucketEncryption",
            Map.of(
                "ServerSideEncryptionConfiguration",
                Match.arrayWith(
                    List.of(
                        Match.objectLike(
                            Map.of(
                                "ServerSideEncryptionByDefault",
                                Map.of("SSEAlgorithm", algorithm))))))));
  }

  @Test
  void devDeploymentsAreRemovedCompletelyByDestroy() {
    Template dev = Synth.with(Map.of("env", "dev")).ingestion();
    dev.allResources("AWS::S3::Bucket", Map.of("DeletionPolicy", "Delete"));
    // Emptied first, so CloudFormation can delete them.
    dev.resourceCountIs("Custom::S3AutoDeleteObjects", 3);
    dev.allResources("AWS::KMS::Key", Map.of("DeletionPolicy", "Delete"));
    dev.allResources("AWS::Logs::LogGroup", Map.of("DeletionPolicy", "Delete"));
  }

  @Test
  void anExistingVpcAndTheAccountsDmsRolesComeFromContext() {
    Template other =
        Synth.with(
                Map.of(
                    "vpcId", "vpc-0a1b2c3d4e5f60718",
                    "subnetIds", "subnet-0a1b2c3d4e5f60711,subnet-0a1b2c3d4e5f60722",
                    "availabilityZones", "eu-west-1a,eu-west-1b",
                    "createDmsAccountRoles", "true",
                    "onPremCidr", "192.168.10.0/24",
                    "mysqlPort", "3307"))
            .ingestion();
    other.resourceCountIs("AWS::EC2::VPC", 0);
    other.hasResourceProperties(
        "AWS::DMS::ReplicationSubnetGroup",
        Map.of("SubnetIds", List.of("subnet-0a1b2c3d4e5f60711", "subnet-0a1b2c3d4e5f60722")));
    other.resourceCountIs("AWS::EC2::SecurityGroup", 1);
    other.hasResourceProperties(
        "AWS::EC2::SecurityGroup",
        Map.of(
            "VpcId",
            "vpc-0a1b2c3d4e5f60718",
            "SecurityGroupEgress",
            Match.arrayWith(
                List.of(Match.objectLike(Map.of("CidrIp", "192.168.10.0/24", "FromPort", 3307))))));
    other.hasResourceProperties("AWS::IAM::Role", Map.of("RoleName", "dms-vpc-role"));
    other.hasResourceProperties("AWS::IAM::Role", Map.of("RoleName", "dms-cloudwatch-logs-role"));
  }

  @Test
  void outputsHaveThePlainNamesTheReadmeUses() {
    // The rest are the CDK's exports for DataTransformations (raw bucket and key).
    assertThat(t.findOutputs("*").keySet().stream().filter(o -> !o.startsWith("ExportsOutput")))
        .containsExactlyInAnyOrder(
            "RawBucketName", "DmsTaskArn", "PaymentsStreamName", "TransactionsLandingPrefix");
    t.hasOutput("DmsTaskArn", Map.of("Value", ref(id("AWS::DMS::ReplicationTask"))));
  }
}
